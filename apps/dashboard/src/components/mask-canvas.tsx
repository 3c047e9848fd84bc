'use client';

import { useEffect, useRef, useState } from 'react';

/**
 * The sample image with one method's kept tokens: pruned tokens are dimmed, kept ones stay clear. The image is
 * letterboxed into a square, as LLaVA-1.5's pad-to-square preprocessing sees it, and the token grid covers that
 * square.
 */
export function MaskCanvas({ imageUrl, rows, cols, mask, color, label }: {
  imageUrl: string | null;
  rows: number;
  cols: number;
  /** Row-major "1" (kept) / "0" (pruned) per token. */
  mask: string;
  color: string;
  label: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [state, setState] = useState<'loading' | 'drawn' | 'no-image'>('loading');

  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const context = element.getContext('2d');
    if (!context) return;
    const size = 448;
    element.width = size;
    element.height = size;
    const drawMask = () => {
      const cellW = size / cols;
      const cellH = size / rows;
      context.fillStyle = 'rgba(17, 24, 39, 0.72)';
      for (let i = 0; i < rows * cols; i++) {
        if (mask[i] === '1') continue;
        const x = (i % cols) * cellW;
        const y = Math.floor(i / cols) * cellH;
        context.fillRect(Math.floor(x), Math.floor(y), Math.ceil(cellW), Math.ceil(cellH));
      }
      // With every token kept (the full-token reference) outlines would only hide the image.
      if (!mask.includes('0')) return;
      context.strokeStyle = color;
      context.lineWidth = 1.5;
      for (let i = 0; i < rows * cols; i++) {
        if (mask[i] !== '1') continue;
        context.strokeRect((i % cols) * cellW + 0.75, Math.floor(i / cols) * cellH + 0.75, cellW - 1.5, cellH - 1.5);
      }
    };
    const paintBackground = () => {
      context.fillStyle = '#d1d5db';
      context.fillRect(0, 0, size, size);
    };
    if (!imageUrl) {
      paintBackground();
      drawMask();
      setState('no-image');
      return;
    }
    let cancelled = false;
    const image = new Image();
    image.onload = () => {
      if (cancelled) return;
      paintBackground();
      const scale = Math.min(size / image.naturalWidth, size / image.naturalHeight);
      const w = image.naturalWidth * scale;
      const h = image.naturalHeight * scale;
      context.drawImage(image, (size - w) / 2, (size - h) / 2, w, h);
      drawMask();
      setState('drawn');
    };
    image.onerror = () => {
      if (cancelled) return;
      paintBackground();
      drawMask();
      setState('no-image');
    };
    image.src = imageUrl;
    return () => {
      cancelled = true;
    };
  }, [imageUrl, rows, cols, mask, color]);

  return <canvas ref={canvas} data-mask-state={state} data-rows={rows} data-cols={cols} aria-label={label} />;
}
