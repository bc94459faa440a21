/**
 * WAV (RIFF/WAVE) reading and writing: PCM 8/16/24/32-bit, IEEE float 32/64-bit, WAVE_FORMAT_EXTENSIBLE.
 * Samples come back as floats in [-1, 1), channels mixed down to mono (the model takes one channel).
 */
import { InputError } from '../errors.js';

export interface Audio {
  samples: Float32Array;
  sampleRateHz: number;
}

const PCM = 1, IEEE_FLOAT = 3, EXTENSIBLE = 0xfffe;

export function decodeWav(bytes: Uint8Array, name = 'wav'): Audio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new InputError(`${name}: not a WAV file (expected 'RIFF'…'WAVE' at the start)`);
  }
  let format: { code: number; channels: number; rate: number; bits: number } | undefined;
  let data: Uint8Array | undefined;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = tag(at), size = view.getUint32(at + 4, true), body = at + 8;
    if (body + size > bytes.length && id !== 'data') throw new InputError(`${name}: chunk '${id}' at byte ${at} runs past the end of the file`);
    if (id === 'fmt ') {
      if (size < 16) throw new InputError(`${name}: 'fmt ' chunk has ${size} bytes, expected at least 16`);
      let code = view.getUint16(body, true);
      if (code === EXTENSIBLE && size >= 26) code = view.getUint16(body + 24, true); // SubFormat GUID starts with the code
      format = { code, channels: view.getUint16(body + 2, true), rate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
    } else if (id === 'data') {
      // A truncated last chunk (recording cut short) keeps what is there, in whole frames.
      data = bytes.subarray(body, Math.min(bytes.length, body + size));
    }
    at = body + size + (size & 1);
  }
  if (!format) throw new InputError(`${name}: no 'fmt ' chunk`);
  if (!data) throw new InputError(`${name}: no 'data' chunk`);
  const { code, channels, rate, bits } = format;
  if (channels < 1) throw new InputError(`${name}: ${channels} channels`);
  if (rate < 1) throw new InputError(`${name}: sample rate ${rate} Hz`);
  const read = sampleReader(view, code, bits, name);
  const frameBytes = (bits / 8) * channels;
  const frames = Math.floor(data.length / frameBytes);
  const samples = new Float32Array(frames);
  const start = data.byteOffset - bytes.byteOffset;
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += read(start + f * frameBytes + c * (bits / 8));
    samples[f] = sum / channels;
  }
  return { samples, sampleRateHz: rate };
}

function sampleReader(view: DataView, code: number, bits: number, name: string): (at: number) => number {
  if (code === PCM && bits === 8) return (at) => (view.getUint8(at) - 128) / 128;
  if (code === PCM && bits === 16) return (at) => view.getInt16(at, true) / 32768;
  if (code === PCM && bits === 24) return (at) => ((view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16)) / 8388608);
  if (code === PCM && bits === 32) return (at) => view.getInt32(at, true) / 2147483648;
  if (code === IEEE_FLOAT && bits === 32) return (at) => view.getFloat32(at, true);
  if (code === IEEE_FLOAT && bits === 64) return (at) => view.getFloat64(at, true);
  throw new InputError(`${name}: unsupported WAV encoding (format ${code}, ${bits} bits); expected PCM 8/16/24/32-bit or float 32/64-bit`);
}

/** 16-bit PCM mono WAV. */
export function encodeWav(audio: Audio): Uint8Array {
  const n = audio.samples.length;
  const bytes = new Uint8Array(44 + 2 * n);
  const view = new DataView(bytes.buffer);
  const text = (at: number, s: string) => [...s].forEach((ch, i) => view.setUint8(at + i, ch.charCodeAt(0)));
  text(0, 'RIFF'); view.setUint32(4, 36 + 2 * n, true); text(8, 'WAVE');
  text(12, 'fmt '); view.setUint32(16, 16, true); view.setUint16(20, PCM, true); view.setUint16(22, 1, true);
  view.setUint32(24, audio.sampleRateHz, true); view.setUint32(28, 2 * audio.sampleRateHz, true);
  view.setUint16(32, 2, true); view.setUint16(34, 16, true);
  text(36, 'data'); view.setUint32(40, 2 * n, true);
  for (let i = 0; i < n; i++) view.setInt16(44 + 2 * i, Math.round(Math.max(-1, Math.min(1, audio.samples[i])) * 32767), true);
  return bytes;
}
