'use client';

import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { CustomChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

/**
 * Mounts one ECharts instance on a div and keeps it in sync with `option`. SVG rendering keeps text selectable and
 * screenshots crisp; the chart is disposed with the component so hot reloads and navigation leak nothing.
 */
export function EChart({ option, height = 420, label }: { option: echarts.EChartsCoreOption; height?: number; label: string }) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.EChartsType | null>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    // Registration is idempotent; done here rather than at import time.
    echarts.use([LineChart, ScatterChart, CustomChart, GridComponent, TooltipComponent, LegendComponent, MarkLineComponent, SVGRenderer]);
    const instance = echarts.init(element, undefined, { renderer: 'svg' });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  return <div ref={container} className="chart" style={{ height }} role="img" aria-label={label} data-chart={label} />;
}
