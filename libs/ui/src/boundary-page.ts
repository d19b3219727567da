import { BoundaryView, StudentCheckpoint, STUDENT_CHECKPOINTS, TapSigns } from './boundaries';
import { esc, href } from './html';
import { encodePng, pngDataUri } from './png';

type Rgb = [number, number, number];
const ON: Rgb = [29, 35, 48];
const OFF: Rgb = [255, 255, 255];
const GAP: Rgb = [150, 150, 150];
const AGREE_ON: Rgb = [200, 200, 200];
const AGREE_OFF: Rgb = [250, 250, 250];
const T_ONLY: Rgb = [214, 39, 40];
const S_ONLY: Rgb = [31, 119, 180];

/** Grid layout of a tap: channels as tiles, `cols` per row, each pixel drawn `scale`×`scale`. */
function layout(tap: TapSigns) {
  const cols = tap.channels <= 64 ? Math.min(tap.channels, 8) : 16;
  const rows = Math.ceil(tap.channels / cols);
  // Tiles of about 36 px whatever the tap's resolution, and never below 2 px per neuron.
  const scale = Math.max(2, Math.round(36 / tap.height));
  const tw = tap.width * scale + 1;
  const th = tap.height * scale + 1;
  return { cols, rows, scale, tw, th, W: cols * tw + 1, H: rows * th + 1 };
}

/** One PNG of all channels of a tap; `color(y, x, ch)` gives each pixel's colour. */
function gridPng(tap: TapSigns, color: (i: number) => Rgb): Buffer {
  const L = layout(tap);
  const px = new Uint8Array(L.W * L.H * 3);
  for (let i = 0; i < L.W * L.H; i++) px.set(GAP, i * 3);
  const C = tap.channels;
  for (let ch = 0; ch < C; ch++) {
    const ox = (ch % L.cols) * L.tw + 1;
    const oy = Math.floor(ch / L.cols) * L.th + 1;
    for (let y = 0; y < tap.height; y++) {
      for (let x = 0; x < tap.width; x++) {
        const rgb = color((y * tap.width + x) * C + ch);
        for (let dy = 0; dy < L.scale; dy++) {
          for (let dx = 0; dx < L.scale; dx++)
            px.set(rgb, ((oy + y * L.scale + dy) * L.W + ox + x * L.scale + dx) * 3);
        }
      }
    }
  }
  return encodePng(L.W, L.H, 3, px);
}

/** Per channel, the share of positions where the student's sign equals the teacher's. */
export function channelAgreement(tap: TapSigns): number[] {
  const C = tap.channels;
  const same = new Array<number>(C).fill(0);
  if (!tap.student) return same.fill(NaN);
  for (let i = 0; i < tap.teacher.length; i++) if (tap.teacher[i] === tap.student[i]) same[i % C]++;
  return same.map((n) => n / (tap.height * tap.width));
}

function gridSvg(
  tap: TapSigns,
  kind: 'teacher' | 'student' | 'disagreement',
  png: Buffer,
  perChannel?: number[],
): string {
  const L = layout(tap);
  const rects = perChannel
    ? perChannel
        .map((a, ch) => {
          const x = (ch % L.cols) * L.tw;
          const y = Math.floor(ch / L.cols) * L.th;
          return `<rect class="ch" data-channel="${ch}" data-agree="${a.toFixed(4)}" x="${x}" y="${y}" width="${L.tw + 1}" height="${L.th + 1}" fill="transparent"><title>channel ${ch}: ${(100 * a).toFixed(1)} % agree</title></rect>`;
        })
        .join('')
    : '';
  return `<figure style="margin:0 12px 0 0"><figcaption>${esc(kind)}</figcaption><svg class="grid" data-tap="${esc(tap.name)}" data-kind="${kind}" data-channels="${tap.channels}" xmlns="http://www.w3.org/2000/svg" width="${L.W}" height="${L.H}"><image href="${pngDataUri(png)}" width="${L.W}" height="${L.H}"/>${rects}</svg></figure>`;
}

function tapSection(tap: TapSigns): string {
  const t = tap.teacher;
  const s = tap.student;
  const parts = [
    gridSvg(
      tap,
      'teacher',
      gridPng(tap, (i) => (t[i] ? ON : OFF)),
    ),
  ];
  let summary = `${tap.height}×${tap.width}, ${tap.channels} channels; teacher on for ${pct(sum(t) / t.length)} % of neurons`;
  if (s) {
    const agree = channelAgreement(tap);
    const total = agree.reduce((a, b) => a + b, 0) / agree.length;
    summary += `; student ${pct(sum(s) / s.length)} % on; <b class="agreement" data-value="${total.toFixed(4)}">agreement ${pct(total)} %</b>`;
    parts.push(
      gridSvg(
        tap,
        'student',
        gridPng(tap, (i) => (s[i] ? ON : OFF)),
      ),
    );
    parts.push(
      gridSvg(
        tap,
        'disagreement',
        gridPng(tap, (i) =>
          t[i] === s[i] ? (t[i] ? AGREE_ON : AGREE_OFF) : t[i] ? T_ONLY : S_ONLY,
        ),
        agree,
      ),
    );
  }
  return `<section class="tap" id="${esc(tap.name)}"><h2>${esc(tap.name)}</h2><p>${summary}. Student: ${esc(tap.via)}.</p><div style="display:flex;flex-wrap:wrap;align-items:flex-start">${parts.join('')}</div></section>`;
}

const sum = (a: Uint8Array) => a.reduce((x, y) => x + y, 0);
const pct = (x: number) => (100 * x).toFixed(1);

export interface BoundaryForm {
  runId: string;
  methods: string[];
  method: string;
  ckpt: StudentCheckpoint;
  index: number;
  testSize: number;
}

export function boundaryForm(f: BoundaryForm): string {
  const opt = (v: string, cur: string) =>
    `<option value="${esc(v)}"${v === cur ? ' selected' : ''}>${esc(v)}</option>`;
  return `<form class="inline" method="get" action="${href('runs', f.runId, 'boundaries')}">
<label>method <select name="method">${f.methods.map((m) => opt(m, f.method)).join('')}</select></label>
<label>student checkpoint <select name="ckpt">${STUDENT_CHECKPOINTS.map((c) => opt(c, f.ckpt)).join('')}</select></label>
<label>test image <input name="image" type="number" min="0" max="${f.testSize - 1}" value="${f.index}"></label>
<button>show</button></form>`;
}

/**
 * The AB stage trains the student up to its last tap only: at its checkpoint the pooling and
 * linear classifier are still as initialised, so that prediction says nothing of the method.
 */
const AB_INIT_CAVEAT =
  "Caveat: this is the AB-initialisation checkpoint. The AB stage trains the student's layers up to the last tap to match the teacher's activation boundaries; its classifier is untrained at this point, so the student's prediction here is not meaningful (pick the 'final' checkpoint for the trained student's prediction). The sign maps are what this checkpoint is for.";

/** The boundary view body: the input image, the predictions, and per tap the three grids. */
export function boundaryBody(v: BoundaryView, ckpt: StudentCheckpoint): string {
  const { height: h, width: w, channels: c, pixels } = v.image;
  const img = pngDataUri(encodePng(w, h, c === 1 ? 1 : 3, pixels));
  const name = (k: number) => (k >= 0 ? `${k} (${esc(v.classNames[k] ?? k)})` : '—');
  const legend = `<p class="legend">sign maps: <span style="background:rgb(${ON})"></span>on (pre-activation &gt; 0)<span style="background:#fff"></span>off · disagreement: <span style="background:rgb(${T_ONLY})"></span>teacher on, student off<span style="background:rgb(${S_ONLY})"></span>teacher off, student on<span style="background:rgb(${AGREE_ON})"></span>/<span style="background:rgb(${AGREE_OFF})"></span>agree (on/off). Hover a channel of the disagreement grid for its agreement.</p>`;
  return `<div style="display:flex;gap:16px;align-items:center">
<img id="input-image" src="${img}" width="${w * 4}" height="${h * 4}" style="image-rendering:pixelated;border:1px solid #999" data-index="${v.index}" data-label="${v.label}" alt="test image ${v.index}">
<div>test image <b>#${v.index}</b>, label <b>${name(v.label)}</b><br>teacher predicts <b class="teacher-pred">${name(v.teacherPred)}</b>, student predicts <b class="student-pred">${name(v.studentPred)}</b>${ckpt === 'ab-init' ? ' <span class="muted">(untrained classifier, see below)</span>' : ''}<br><span class="muted">student checkpoint <code>${esc(v.studentKey)}</code>; both in eval mode (BN running statistics)</span></div></div>
${ckpt === 'ab-init' ? `<p class="caveat" id="ab-init-caveat">${esc(AB_INIT_CAVEAT)}</p>` : ''}
${legend}
${v.taps.map(tapSection).join('\n')}`;
}
