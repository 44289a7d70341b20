import { createHash } from "node:crypto";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";

/** What `image.resize` is asked to do. */
export interface ResizeRequest {
  imageId: string;
  /** Size of the source image in pixels. */
  width: number;
  height: number;
  /** Seeds the generated pixels, so the same request always gives the same hash. */
  seed: number;
  /** Box-blur passes before downscaling; more passes, more CPU. */
  passes: number;
}

/** The thumbnail's size and a fingerprint of its pixels. */
export interface ResizeResult {
  imageId: string;
  width: number;
  height: number;
  sha256: string;
}

/** A deterministic RGBA image: stands in for a decoded upload. */
function generatePixels(width: number, height: number, seed: number): Uint8ClampedArray {
  const pixels = new Uint8ClampedArray(width * height * 4);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < pixels.length; i++) {
    // xorshift32: cheap noise, so the blur has real work to do.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    pixels[i] = (i & 3) === 3 ? 255 : state & 0xff;
  }
  return pixels;
}

/** One horizontal then vertical box blur of radius 1 over every channel. */
function blur(src: Uint8ClampedArray, width: number, height: number): Uint8ClampedArray {
  const tmp = new Uint8ClampedArray(src.length);
  const out = new Uint8ClampedArray(src.length);
  const at = (x: number, y: number, c: number): number => (y * width + x) * 4 + c;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const l = Math.max(0, x - 1);
      const r = Math.min(width - 1, x + 1);
      for (let c = 0; c < 4; c++) {
        tmp[at(x, y, c)] = (src[at(l, y, c)]! + src[at(x, y, c)]! + src[at(r, y, c)]!) / 3;
      }
    }
  }
  for (let y = 0; y < height; y++) {
    const u = Math.max(0, y - 1);
    const d = Math.min(height - 1, y + 1);
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 4; c++) {
        out[at(x, y, c)] = (tmp[at(x, u, c)]! + tmp[at(x, y, c)]! + tmp[at(x, d, c)]!) / 3;
      }
    }
  }
  return out;
}

/** Halves both sides by averaging 2x2 blocks. */
function halve(src: Uint8ClampedArray, width: number, height: number): Uint8ClampedArray {
  const w = width >> 1;
  const h = height >> 1;
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 4; c++) {
        const p = (2 * y * width + 2 * x) * 4 + c;
        const q = p + width * 4;
        out[(y * w + x) * 4 + c] = (src[p]! + src[p + 4]! + src[q]! + src[q + 4]!) / 4;
      }
    }
  }
  return out;
}

/**
 * Blurs and downscales a generated image: real CPU work. Between passes it yields to the
 * event loop and checks `signal`, so a timeout or cancellation stops it promptly and the
 * worker's heartbeats keep running; a handler that never yields cannot be interrupted.
 */
export async function resizeImage(req: ResizeRequest, signal: AbortSignal): Promise<ResizeResult> {
  let pixels = generatePixels(req.width, req.height, req.seed);
  for (let pass = 0; pass < req.passes; pass++) {
    await yieldToEventLoop();
    signal.throwIfAborted();
    pixels = blur(pixels, req.width, req.height);
  }
  const thumb = halve(pixels, req.width, req.height);
  const sha256 = createHash("sha256").update(thumb).digest("hex");
  return { imageId: req.imageId, width: req.width >> 1, height: req.height >> 1, sha256 };
}
