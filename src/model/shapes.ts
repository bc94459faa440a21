/**
 * The published S-Edge configurations (spec §5.8) and the step-scale lists of the Cpp-NN README
 * table (spec §6.2) with its MFLOP and Cortex-M4 numbers: what benchmarks and reports compare against.
 */
export interface ModelShape {
  P: readonly number[]; // states per layer
  H: readonly number[]; // outputs per layer
  identitySkip: boolean;
}

export const SHAPES = {
  full: { P: [64, 64, 64, 64, 64, 64], H: [96, 96, 96, 96, 96, 96], identitySkip: true },
  large: { P: [96, 80, 64, 48, 32, 16], H: [24, 32, 40, 48, 56, 64], identitySkip: false },
  small: { P: [32, 24, 16, 14, 12, 8], H: [8, 16, 32, 42, 54, 64], identitySkip: false },
  tiny: { P: [32, 16, 8], H: [8, 32, 64], identitySkip: false },
} as const satisfies Record<string, ModelShape>;

export type ShapeName = keyof typeof SHAPES;

export interface CppNnRow {
  shape: ShapeName;
  variant: string; // 'RZOH' or 'no RZOH'
  stepScales: number[];
  mflop: number; // MFLOP per second of audio (Cpp-NN README)
  mcuSeconds: number; // inference time per 1 s clip on their Cortex-M4F
  accuracy: number; // % on Speech Commands test (their PC run)
}

const rows = (shape: ShapeName, variant: string, list: [number[], number, number, number][]): CppNnRow[] =>
  list.map(([stepScales, mflop, mcuSeconds, accuracy]) => ({ shape, variant, stepScales, mflop, mcuSeconds, accuracy }));

/** The 26 rows of the Cpp-NN README (spec §6.2). */
export const CPP_NN_README: readonly CppNnRow[] = [
  ...rows('full', 'RZOH', [
    [[1, 1, 1, 1, 1, 1], 4406.95, 87, 95.19], [[1, 1, 1, 2, 4, 12], 2309.48, 47, 95.22],
    [[1, 1, 4, 8, 16, 32], 1198.31, 23.57, 94.99], [[1, 2, 14, 14, 42, 42], 573.51, 11.09, 94.08]]),
  ...rows('large', 'RZOH', [
    [[1, 1, 1, 1, 1, 1], 1721.41, 35.14, 94.11], [[1, 1, 1, 2, 2, 38], 964.38, 19.49, 94.19],
    [[1, 2, 2, 8, 8, 48], 413.89, 8.43, 93.99], [[1, 3, 3, 6, 30, 60], 295.64, 6.07, 93.09]]),
  ...rows('small', 'no RZOH', [
    [[1, 1, 1, 1, 1, 1], 572.5, 11.67, 93.37], [[1, 1, 1, 1, 2, 22], 237.21, 5.09, 93.47],
    [[1, 1, 3, 6, 6, 42], 93.71, 2.04, 93.02]]),
  ...rows('small', 'RZOH', [
    [[1, 1, 1, 1, 1, 1], 572.5, 11.67, 93.08], [[1, 1, 1, 1, 9, 63], 183.72, 4.06, 93.18],
    [[1, 2, 2, 6, 18, 54], 71.21, 1.57, 93.05], [[1, 2, 4, 16, 32, 64], 47.29, 1.11, 92.02],
    [[1, 4, 4, 16, 32, 64], 39.25, 0.869, 91.06], [[1, 4, 4, 16, 64, 64], 37.44, 0.837, 90.19]]),
  ...rows('tiny', 'no RZOH', [
    [[1, 1, 1], 193.61, 4.18, 90.5], [[1, 1, 5], 65.29, 1.39, 90.62],
    [[1, 2, 22], 26.98, 0.618, 90.18], [[1, 4, 28], 18.65, 0.411, 88.96]]),
  ...rows('tiny', 'RZOH', [
    [[1, 1, 1], 193.61, 4.18, 89.41], [[1, 2, 6], 46.42, 1.03, 89.51], [[1, 5, 20], 19.58, 0.431, 89.12],
    [[1, 9, 54], 12.13, 0.266, 88.01], [[1, 11, 55], 11.53, 0.252, 87.11], [[2, 8, 64], 8.97, 0.209, 80.35],
    [[3, 12, 48], 7.66, 0.182, 70.32]]),
];

/** Cpp-NN README network size (`sizeof`, bytes) and permanent/temp memory (spec §6.2, §4.3). */
export const CPP_NN_SIZES: Record<ShapeName, { sizeofBytes: number; permanentBytes: number; tempBytes: number }> = {
  full: { sizeofBytes: 563528, permanentBytes: 3456, tempBytes: 768 },
  large: { sizeofBytes: 224592, permanentBytes: 2944, tempBytes: 480 },
  small: { sizeofBytes: 80984, permanentBytes: 1104, tempBytes: 472 },
  tiny: { sizeofBytes: 33424, permanentBytes: 704, tempBytes: 396 },
};
