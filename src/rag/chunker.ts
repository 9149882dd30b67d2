/**
 * Splits a text/markdown document into chunks for the full-text index: paragraphs (and headings with
 * what follows them) are packed up to a target size; an over-long paragraph is cut at word boundaries. Chunks never overlap, so a term's count in the index matches the document.
 */
export interface ChunkOptions {
  /** Target maximum characters per chunk. */
  readonly maxChars?: number;
}

const DEFAULT_MAX_CHARS = 1200;

export function chunkText(text: string, opts: ChunkOptions = {}): string[] {
  const max = opts.maxChars ?? DEFAULT_MAX_CHARS;
  const blocks = text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((b) => b.trim())
    .filter(Boolean)
    .flatMap((b) => (b.length > max ? splitLong(b, max) : [b]));
  const chunks: string[] = [];
  let current = '';
  for (const block of blocks) {
    // a heading starts a new chunk when the current one already has some body
    const startsSection = /^#{1,6}\s/.test(block) && current.length > max / 3;
    if (current && (current.length + block.length + 2 > max || startsSection)) {
      chunks.push(current);
      current = '';
    }
    current = current ? `${current}\n\n${block}` : block;
  }
  if (current) chunks.push(current);
  return chunks;
}

function splitLong(block: string, max: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const piece of block.split(/\s+/).filter(Boolean)) {
    for (const part of piece.length > max ? hardSplit(piece, max) : [piece]) {
      if (current && current.length + part.length + 1 > max) {
        out.push(current);
        current = '';
      }
      current = current ? `${current} ${part}` : part;
    }
  }
  if (current) out.push(current);
  return out;
}

function hardSplit(s: string, max: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += max) out.push(s.slice(i, i + max));
  return out;
}

/** The document title: the first markdown heading, else the first non-empty line, else the fallback. */
export function titleOf(text: string, fallback: string): string {
  const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/m.exec(text);
  const line = heading?.[1] ?? text.split('\n').find((l) => l.trim())?.trim();
  return (line ?? fallback).slice(0, 200) || fallback;
}
