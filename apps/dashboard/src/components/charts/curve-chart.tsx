'use client';

import { useMemo } from 'react';
import type { EChartsCoreOption } from 'echarts/core';
import { EChart } from './echart.tsx';

export interface CurvePoint {
  x: number;
  y: number;
  low: number;
  high: number;
  n: number;
  /** Budget label shown in the tooltip, e.g. "128 (22.2%)". */
  label: string;
}

export interface CurveSeries {
  name: string;
  color: string;
  reference?: boolean;
  /** Line dash, to tell position policies of the same method apart. */
  dash?: 'solid' | 'dashed' | 'dotted';
  /** Whether to draw the bootstrap band (bands of every method at once hide each other). */
  band?: boolean;
  points: readonly CurvePoint[];
}

export type AxisFormat = 'percent' | 'ms' | 'flops' | 'score';

function formatValue(value: number, format: AxisFormat): string {
  if (!Number.isFinite(value)) return '—';
  switch (format) {
    case 'percent':
      return `${(value * 100).toFixed(1)}%`;
    case 'ms':
      return `${value.toFixed(1)} ms`;
    case 'flops':
      return value >= 1e12 ? `${(value / 1e12).toFixed(2)} T` : value >= 1e9 ? `${(value / 1e9).toFixed(2)} G` : `${(value / 1e6).toFixed(1)} M`;
    case 'score':
      return value.toFixed(3);
  }
}

interface TooltipParam {
  seriesName?: string;
  seriesType?: string;
  color?: string;
  data?: unknown;
}

/**
 * Score curves: one line per method with its bootstrap band (a filled polygon drawn by a custom series), and the
 * full-token reference as a dashed line. Used for keep ratio, prefill latency and FLOPs on the x axis.
 */
export function CurveChart({ series, xName, yName, xFormat, yFormat, label, height }: {
  series: readonly CurveSeries[];
  xName: string;
  yName: string;
  xFormat: AxisFormat;
  yFormat: AxisFormat;
  label: string;
  height?: number;
}) {
  const option = useMemo<EChartsCoreOption>(() => {
    const reference = series.find((s) => s.reference);
    const lines = series.map((s) => ({
      name: s.name,
      type: 'line',
      data: s.points.map((p) => ({ value: [p.x, p.y], low: p.low, high: p.high, n: p.n, label: p.label })),
      showSymbol: true,
      // The reference is a line on the keep axis but a single measured point on the cost axes.
      symbolSize: s.reference && s.points.length > 1 ? 0 : s.reference ? 11 : 7,
      symbol: s.reference ? 'diamond' : 'circle',
      lineStyle: { width: s.reference ? 1.5 : 2.2, type: s.reference ? 'dashed' : (s.dash ?? 'solid'), color: s.color },
      itemStyle: { color: s.color },
      emphasis: { focus: 'series' },
      // A lone reference point (cost axes) still gets its level drawn across the chart.
      markLine:
        s.reference && s.points.length === 1
          ? { silent: true, symbol: 'none', label: { show: false }, lineStyle: { type: 'dashed', color: s.color, width: 1 }, data: [{ yAxis: s.points[0]?.y ?? 0 }] }
          : undefined,
      z: 3,
    }));
    const bands = series
      .filter((s) => s.points.length > 1 && s.band !== false)
      .map((s) => ({
        name: s.name,
        type: 'custom',
        silent: true,
        itemStyle: { color: s.color },
        z: 1,
        tooltip: { show: false },
        data: s.points.map((p) => [p.x, p.low, p.high]),
        encode: { x: 0, y: [1, 2] },
        renderItem: (params: { dataIndex: number }, api: { coord: (v: number[]) => number[] }) => {
          if (params.dataIndex !== 0) return null;
          const ordered = [...s.points].sort((a, b) => a.x - b.x);
          const upper = ordered.map((p) => api.coord([p.x, p.high]));
          const lower = ordered.map((p) => api.coord([p.x, p.low])).reverse();
          return { type: 'polygon', shape: { points: [...upper, ...lower] }, style: { fill: s.color, opacity: s.reference ? 0.07 : 0.12 } };
        },
      }));
    return {
      animation: false,
      color: series.map((s) => s.color),
      grid: { left: 64, right: 210, top: 24, bottom: 52 },
      legend: { orient: 'vertical', right: 0, top: 'middle', type: 'scroll', data: series.map((s) => s.name), itemGap: 8, icon: 'roundRect' },
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'line' },
        formatter: (raw: TooltipParam | TooltipParam[]) => {
          const params = (Array.isArray(raw) ? raw : [raw]).filter((p) => p.seriesType === 'line' && p.seriesName !== reference?.name);
          const first = params[0]?.data as { value: [number, number]; label: string } | undefined;
          // On the keep axis every method shares the budget, so it goes in the header; on cost axes x differs per method.
          const header = xFormat === 'percent' && first ? `<div style="font-weight:600;margin-bottom:4px">${first.label}</div>` : '';
          const referenceLine = reference?.points[0]
            ? `<div style="color:#6b7280">${reference.name}: ${formatValue(reference.points[0].y, yFormat)}</div>`
            : '';
          const rows = params.map((p) => {
            const d = p.data as { value: [number, number]; low: number; high: number; n: number; label: string };
            const x = xFormat === 'percent' ? '' : ` · ${d.label} · ${formatValue(d.value[0], xFormat)}`;
            return `<div><span style="display:inline-block;width:9px;height:9px;border-radius:2px;background:${p.color};margin-right:6px"></span>` +
              `${p.seriesName}: <b>${formatValue(d.value[1], yFormat)}</b> <span style="color:#6b7280">[${formatValue(d.low, yFormat)}, ` +
              `${formatValue(d.high, yFormat)}]${x} · n=${d.n}</span></div>`;
          });
          return header + rows.join('') + referenceLine;
        },
      },
      xAxis: {
        type: 'value',
        name: xName,
        nameLocation: 'middle',
        nameGap: 30,
        scale: xFormat !== 'percent',
        axisLabel: { formatter: (v: number) => formatValue(v, xFormat) },
      },
      yAxis: {
        type: 'value',
        name: yName,
        scale: true,
        axisLabel: { formatter: (v: number) => formatValue(v, yFormat) },
      },
      series: [...bands, ...lines],
    };
  }, [series, xName, yName, xFormat, yFormat]);

  return <EChart option={option} label={label} height={height} />;
}
