/**
 * Tiny inline-SVG charts for the HTML report: no library, no script, no network. Each chart is an
 * <svg class="chart" data-chart="id"> with axes, gridlines, a legend and one <path>/<rect> per datum.
 */
export interface Series {
  name: string;
  values: number[];
  color: string;
  /** "line" (default), "bar" or "area". */
  kind?: "line" | "bar" | "area";
  /** Dashed reference line. */
  dashed?: boolean;
}

export interface ChartSpec {
  id: string;
  title: string;
  yLabel: string;
  xLabels: string[];
  series: Series[];
  width?: number;
  height?: number;
  /** Show every n-th x label (default: about 12 labels). */
  xLabelEvery?: number;
  /** Where a new day starts (x index) and its name: a dashed rule and the name at the top of the plot. */
  dayMarks?: Array<{ index: number; label: string }>;
}

const PAD = { left: 64, right: 16, top: 34, bottom: 46 };
const AREA_OPACITY = 0.25;

/** The legend's mark drawn as the series is: a filled box for bars, a tinted box for areas, a stroke for lines. */
function legendSwatch(s: Series, x: number, baseline: number): string {
  if (s.kind === "bar")
    return `<rect x="${x}" y="${baseline - 9}" width="12" height="10" fill="${s.color}"/>`;
  const stroke = `<line x1="${x}" x2="${x + 12}" y1="${baseline - 4}" y2="${baseline - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 2"' : ""}/>`;
  if (s.kind === "area")
    return `<rect x="${x}" y="${baseline - 9}" width="12" height="10" fill="${s.color}" fill-opacity="${AREA_OPACITY}"/>${stroke}`;
  return stroke;
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** "Nice" tick step for a range (1, 2 or 5 x 10^k). */
export function niceStep(range: number, targetTicks = 5): number {
  if (!(range > 0)) return 1;
  const raw = range / targetTicks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  const nice = residual >= 5 ? 10 : residual >= 2 ? 5 : residual >= 1 ? 2 : 1;
  return nice * magnitude;
}

function formatTick(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(abs >= 1e7 ? 0 : 1)}M`;
  if (abs >= 1e3) return `${(value / 1e3).toFixed(abs >= 1e4 ? 0 : 1)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(3).replace(/\.?0+$/, "");
}

export function renderChart(spec: ChartSpec): string {
  const width = spec.width ?? 900;
  const height = spec.height ?? 300;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const n = Math.max(1, spec.xLabels.length);
  const all = spec.series.flatMap((s) => s.values.filter((v) => Number.isFinite(v)));
  let min = Math.min(0, ...all);
  let max = Math.max(0, ...all);
  if (max === min) max = min + 1;
  const step = niceStep(max - min);
  min = Math.floor(min / step) * step;
  max = Math.ceil(max / step) * step;
  const x = (i: number) => PAD.left + ((i + 0.5) * plotW) / n;
  const y = (v: number) => PAD.top + plotH - ((v - min) / (max - min)) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" data-chart="${escapeXml(spec.id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(spec.title)}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${PAD.left}" y="20" class="chart-title" font-size="15" font-weight="600" fill="#1f2937">${escapeXml(spec.title)}</text>`,
  );
  for (let v = min; v <= max + step / 2; v += step) {
    const yy = y(v).toFixed(1);
    parts.push(
      `<line x1="${PAD.left}" x2="${width - PAD.right}" y1="${yy}" y2="${yy}" stroke="${Math.abs(v) < step / 2 ? "#6b7280" : "#e5e7eb"}" stroke-width="1"/>`,
      `<text x="${PAD.left - 6}" y="${yy}" font-size="11" fill="#4b5563" text-anchor="end" dominant-baseline="middle">${formatTick(v)}</text>`,
    );
  }
  const every = spec.xLabelEvery ?? Math.max(1, Math.ceil(n / 12));
  spec.xLabels.forEach((label, i) => {
    if (i % every !== 0) return;
    parts.push(
      `<text x="${x(i).toFixed(1)}" y="${height - PAD.bottom + 16}" font-size="11" fill="#4b5563" text-anchor="middle">${escapeXml(label)}</text>`,
    );
  });
  for (const mark of spec.dayMarks ?? []) {
    const xx = (PAD.left + (mark.index * plotW) / n).toFixed(1);
    parts.push(
      `<g class="day-mark"><line x1="${xx}" x2="${xx}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#9ca3af" stroke-width="1" stroke-dasharray="3 3"/>` +
        `<text x="${(Number(xx) + 4).toFixed(1)}" y="${PAD.top + 11}" font-size="11" fill="#374151">${escapeXml(mark.label)}</text></g>`,
    );
  }
  parts.push(
    `<text transform="translate(14 ${PAD.top + plotH / 2}) rotate(-90)" font-size="11" fill="#4b5563" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
  );
  const bars = spec.series.filter((s) => s.kind === "bar");
  const slotW = plotW / n;
  const barW = Math.max(1, (slotW * 0.8) / Math.max(1, bars.length));
  // Area fills first, bars over them, lines on top: a translucent area drawn over the bars would
  // tint them, and the bars would no longer have their legend's colour.
  const areas: string[] = [];
  const barGroups: string[] = [];
  const lines: string[] = [];
  spec.series.forEach((s) => {
    if (s.kind === "bar") {
      const b = bars.indexOf(s);
      const rects = s.values
        .map((v, i) => {
          if (!Number.isFinite(v) || v === 0) return "";
          const x0 = PAD.left + i * slotW + slotW * 0.1 + b * barW;
          const y0 = Math.min(y(v), y(0));
          const h = Math.max(0.5, Math.abs(y(v) - y(0)));
          return `<rect class="datum" x="${x0.toFixed(1)}" y="${y0.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"/>`;
        })
        .join("");
      barGroups.push(`<g class="series" data-series="${escapeXml(s.name)}">${rects}</g>`);
      return;
    }
    let d = "";
    let penUp = true;
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) {
        penUp = true;
        return;
      }
      d += `${penUp ? "M" : "L"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      penUp = false;
    });
    if (s.kind === "area" && d) {
      const firstIdx = s.values.findIndex((v) => Number.isFinite(v));
      const lastIdx =
        s.values.length - 1 - [...s.values].reverse().findIndex((v) => Number.isFinite(v));
      const area = `${d}L${x(lastIdx).toFixed(1)},${y(0).toFixed(1)}L${x(firstIdx).toFixed(1)},${y(0).toFixed(1)}Z`;
      areas.push(
        `<path class="datum" d="${area}" fill="${s.color}" fill-opacity="${AREA_OPACITY}" stroke="none"/>`,
      );
    }
    lines.push(
      `<g class="series" data-series="${escapeXml(s.name)}"><path class="datum" d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/></g>`,
    );
  });
  parts.push(...areas, ...barGroups, ...lines);
  let lx = PAD.left;
  const legendY = height - 10;
  spec.series.forEach((s) => {
    parts.push(
      `<g class="legend" data-series="${escapeXml(s.name)}">${legendSwatch(s, lx, legendY)}` +
        `<text x="${lx + 16}" y="${legendY}" font-size="11" fill="#1f2937">${escapeXml(s.name)}</text></g>`,
    );
    lx += 28 + s.name.length * 6.5;
  });
  parts.push("</svg>");
  return parts.join("");
}
