/**
 * The trainable S-Edge classifier ([SE] `src/model/classifier.py`, `sequence_layer.py`, `ssm.py`;
 * spec §5). Parameters carry the authors' state-dict names and storage, e.g. `seq.0.s5.seq.Lambda`
 * (P, 2), so a PyTorch checkpoint maps onto it one to one (state-dict.ts).
 *
 * One layer, from input u [B, T, I] (the previous layer's output, decimated to this layer's step):
 *   res = skipLayer(u)  (trainable; else u itself, or its one channel repeated when I = 1)
 *   f   = BatchNorm(u)  (when the config has norm; statistics per channel over B × T)
 *   y   = ssmLayer(f)   (ZOH at Δ = s·exp(log_step), scan, Re(C x + c))
 *   o   = Dropout1d(LeakyReLU_0.01(y)) + res,  then RZOH (train mode only)
 * then logits = decoder(mean over time of the last output).
 *
 * Before every forward pass Λ is projected in place, Re ← −|Re|, Im ← |Im| ("stability: abs"),
 * outside the graph, exactly as the authors do under torch.no_grad().
 */
import { batchNorm, type BatchNormBuffers } from '../autograd/batchnorm.js';
import { normaliseRows, orthogonal, s5Init } from '../autograd/init.js';
import { linear } from '../autograd/linear.js';
import { add, leakyRelu } from '../autograd/ops.js';
import { createRng, normal, type Rng } from '../autograd/random.js';
import { channelDropout, decimate, meanOverTime, repeatChannel, rzohPeriod, zeroOrderHold } from '../autograd/sequence.js';
import { ssmLayer } from '../autograd/ssm.js';
import { Tensor, type DType } from '../autograd/tensor.js';
import { deviceOf, type Device } from '../autograd/device.js';
import { loadTrainKernels, type TrainKernels } from '../autograd/wasm.js';
import { interleave } from '../../src/model/complex.js';

export interface SedgeConfig {
  /** P per layer (the yaml's hidden_sizes). */
  stateSizes: readonly number[];
  /** H per layer (output_sizes). */
  outputSizes: readonly number[];
  inputSize?: number; // 1 (mono audio)
  classes?: number; // 35
  trainableSkip: boolean;
  batchNorm: boolean;
  init: 'orthogonal' | 'S5';
  biasInit?: 'uniform' | 'zero'; // 'uniform' in every published config
  dropout?: number; // Dropout1d after the activation; 0 by default
}

/** The authors' model descriptions (spec §5.8; [SE] model_descriptions/*.yaml). */
export const SEDGE_CONFIGS = {
  full: { stateSizes: [64, 64, 64, 64, 64, 64], outputSizes: [96, 96, 96, 96, 96, 96], trainableSkip: false, batchNorm: false, init: 'S5' },
  large: { stateSizes: [96, 80, 64, 48, 32, 16], outputSizes: [24, 32, 40, 48, 56, 64], trainableSkip: true, batchNorm: true, init: 'orthogonal' },
  medium: { stateSizes: [96, 64, 32], outputSizes: [24, 44, 64], trainableSkip: true, batchNorm: true, init: 'orthogonal' },
  small: { stateSizes: [32, 24, 16, 14, 12, 8], outputSizes: [8, 16, 32, 42, 54, 64], trainableSkip: true, batchNorm: true, init: 'orthogonal' },
  tiny: { stateSizes: [32, 16, 8], outputSizes: [8, 32, 64], trainableSkip: true, batchNorm: true, init: 'orthogonal' },
} as const satisfies Record<string, SedgeConfig>;

/** RZOH probabilities [round(i/L, 2) for i = 1…L] ([SE] queue_training.py, spec §5.5). */
export const defaultRzohProbabilities = (layers: number): number[] =>
  Array.from({ length: layers }, (_, i) => Math.round(((i + 1) / layers) * 100) / 100);

export interface ForwardOptions {
  /** Train mode: batch statistics in BatchNorm (and running-stat updates), dropout, RZOH. */
  train: boolean;
  /** Absolute step scale per layer, each dividing the next; all ones by default (spec §5.4). */
  stepScales?: readonly number[];
  /**
   * RZOH after each layer, train mode only: per-layer probabilities (spec §5.5), or a function
   * choosing the hold period of layer j directly (1 = none).
   */
  rzoh?: readonly number[] | ((layer: number, rng: Rng) => number);
  /** Randomness for dropout and RZOH; required when either is active. */
  rng?: Rng;
  /**
   * Sees each layer's output [B, T_j, H_j] (after the skip and any RZOH) during the pass, e.g. to
   * compare with the golden taps. Copy what you keep: the tensor is freed with the graph.
   */
  onLayerOutput?: (layer: number, output: Tensor) => void;
}

export interface CreateOptions {
  /** 'f32' (default): f32 tensors on the wasm kernels; 'f64': plain loops, for gradient checks. */
  dtype?: DType;
  seed?: number;
  /** Wasm build for the f32 path ('auto' by default); false runs f32 on the plain loops. */
  engine?: 'auto' | 'simd' | 'scalar' | false;
}

export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

interface Layer {
  I: number;
  P: number;
  H: number;
  lambda: Tensor;
  logStep: Tensor;
  bBias: Tensor;
  cBias: Tensor;
  b: Tensor;
  c: Tensor;
  skip: Tensor | null;
  bnWeight: Tensor | null;
  bnBias: Tensor | null;
  bn: BatchNormBuffers | null;
}

const GAIN = Math.sqrt(4 / 12);
const LN_DT_MIN = Math.log(0.001), LN_DT_MAX = Math.log(0.1);

export class SedgeModel {
  readonly layers: Layer[];
  readonly decoderWeight: Tensor;
  readonly decoderBias: Tensor;
  /** The authors' unused `input_norm` BatchNorm (never in the forward pass), kept for state-dict round trips. */
  readonly inputNorm: { weight: Tensor; bias: Tensor; buffers: BatchNormBuffers };
  /** Where the f32 path keeps its activations (the kernels' memory), or null for plain arrays. */
  readonly device: Device | null;
  /** Hidden activations of the last forward pass, freed by backward() or else by the next forward(). */
  private hidden: Tensor[] = [];

  private constructor(readonly config: Required<SedgeConfig>, readonly dtype: DType, readonly kernels: TrainKernels | undefined, rng: Rng) {
    this.device = kernels ? deviceOf(kernels) : null;
    const { stateSizes, outputSizes, inputSize, classes } = config;
    if (stateSizes.length !== outputSizes.length || stateSizes.length === 0) {
      throw new RangeError(`config: ${stateSizes.length} state sizes and ${outputSizes.length} output sizes; need one of each per layer`);
    }
    this.layers = stateSizes.map((P, j) => this.initLayer(j, j === 0 ? inputSize : outputSizes[j - 1], P, outputSizes[j], rng));
    const H = outputSizes[outputSizes.length - 1];
    const bound = 1 / Math.sqrt(H); // torch nn.Linear default, then rows rescaled to norm √(4/12)
    const w = Float64Array.from({ length: classes * H }, () => (2 * rng() - 1) * bound);
    normaliseRows(w, classes, H, GAIN);
    this.decoderWeight = this.param('decoder.weight', w, [classes, H]);
    this.decoderBias = this.param('decoder.bias', Float64Array.from({ length: classes }, () => (2 * rng() - 1) * bound), [classes]);
    this.inputNorm = {
      weight: Tensor.from(new Float64Array(inputSize).fill(1), [inputSize], dtype, false, 'input_norm.weight'),
      bias: Tensor.from(new Float64Array(inputSize), [inputSize], dtype, false, 'input_norm.bias'),
      buffers: this.bnBuffers(inputSize),
    };
  }

  static async create(config: SedgeConfig, options: CreateOptions = {}): Promise<SedgeModel> {
    const dtype = options.dtype ?? 'f32';
    const engine = options.engine ?? 'auto';
    const kernels = dtype === 'f32' && engine !== false ? await loadTrainKernels(engine) : undefined;
    const full: Required<SedgeConfig> = { inputSize: 1, classes: 35, biasInit: 'uniform', dropout: 0, ...config };
    return new SedgeModel(full, dtype, kernels, createRng(options.seed ?? 1234));
  }

  private param(name: string, values: ArrayLike<number>, shape: number[]): Tensor {
    return Tensor.from(values, shape, this.dtype, true, name);
  }

  private bnBuffers(C: number): BatchNormBuffers {
    const runningVar = this.dtype === 'f32' ? new Float32Array(C) : new Float64Array(C);
    runningVar.fill(1);
    return { runningMean: this.dtype === 'f32' ? new Float32Array(C) : new Float64Array(C), runningVar, numBatchesTracked: 0 };
  }

  private initLayer(j: number, I: number, P: number, H: number, rng: Rng): Layer {
    const { init, biasInit, trainableSkip, batchNorm: norm } = this.config;
    const name = (k: string) => `seq.${j}.s5.seq.${k}`;
    let lambda: Float64Array, b: Float64Array, c: Float64Array;
    if (init === 'S5') {
      ({ lambda, b, c } = s5Init(I, P, H, rng));
    } else {
      // S4D-Lin, asymmetric: −1/2 + i·linspace(0, ⌊P/2⌋, P)
      lambda = new Float64Array(2 * P);
      for (let p = 0; p < P; p++) {
        lambda[2 * p] = -0.5;
        lambda[2 * p + 1] = P === 1 ? 0 : (Math.floor(P / 2) * p) / (P - 1);
      }
      // B: real and imaginary parts each N(0, gain²) when I = 1, else orthogonal_ on the (I, P) transpose.
      const part = (): Float64Array => {
        if (I === 1) return Float64Array.from({ length: P }, () => GAIN * normal(rng));
        const t = orthogonal(I, P, GAIN, rng);
        return Float64Array.from({ length: P * I }, (_, k) => t[(k % I) * P + Math.floor(k / I)]);
      };
      b = interleave(part(), part(), new Float64Array(2 * P * I));
      const cPart = (): Float64Array => {
        const t = orthogonal(P, H, GAIN, rng); // orthogonal_ on the (P, H) transpose of C_r
        return Float64Array.from({ length: H * P }, (_, k) => t[(k % P) * H + Math.floor(k / P)]);
      };
      c = interleave(cPart(), cPart(), new Float64Array(2 * H * P));
    }
    const logStep = Float64Array.from({ length: P }, () => LN_DT_MIN + (LN_DT_MAX - LN_DT_MIN) * rng());
    const bias = (n: number) => Float64Array.from({ length: 2 * n }, () => (biasInit === 'uniform' ? rng() : 0));
    let skip: Tensor | null = null;
    if (trainableSkip) {
      const bound = 1 / Math.sqrt(I);
      const w = Float64Array.from({ length: H * I }, () => (2 * rng() - 1) * bound);
      normaliseRows(w, H, I, GAIN);
      skip = this.param(`seq.${j}.skipLayer.weight`, w, [H, I]);
    }
    if (!trainableSkip && I !== 1 && I !== H) throw new RangeError(`layer ${j}: an identity skip needs I = H or I = 1, got I=${I}, H=${H}`);
    return {
      I, P, H,
      lambda: this.param(name('Lambda'), lambda, [P, 2]),
      logStep: this.param(name('log_step'), logStep, [P]),
      bBias: this.param(name('B_bias'), bias(P), [P, 2]),
      cBias: this.param(name('C_bias'), bias(H), [H, 2]),
      b: this.param(name('B'), b, [P, I, 2]),
      c: this.param(name('C'), c, [H, P, 2]),
      skip,
      bnWeight: norm ? this.param(`seq.${j}.attn_norm.weight`, new Float64Array(I).fill(1), [I]) : null,
      bnBias: norm ? this.param(`seq.${j}.attn_norm.bias`, new Float64Array(I), [I]) : null,
      bn: norm ? this.bnBuffers(I) : null,
    };
  }

  /** Every trainable tensor, named and ordered as in the authors' state dict. */
  parameters(): NamedTensor[] {
    const out: NamedTensor[] = [];
    for (const l of this.layers) {
      for (const t of [l.lambda, l.logStep, l.bBias, l.cBias, l.b, l.c, l.skip, l.bnWeight, l.bnBias]) if (t) out.push({ name: t.name, tensor: t });
    }
    out.push({ name: this.decoderWeight.name, tensor: this.decoderWeight }, { name: this.decoderBias.name, tensor: this.decoderBias });
    return out;
  }

  zeroGrad(): void {
    for (const { tensor } of this.parameters()) tensor.zeroGrad();
  }

  /** The in-place stability projection Re Λ ← −|Re Λ|, Im Λ ← |Im Λ| (not part of any graph). */
  projectEigenvalues(): void {
    for (const { lambda } of this.layers) {
      const d = lambda.data;
      for (let k = 0; k < d.length; k += 2) {
        d[k] = -Math.abs(d[k]);
        d[k + 1] = Math.abs(d[k + 1]);
      }
    }
  }

  /**
   * Clips (each of the same length) as the model input [B, T, 1], in this model's dtype and place.
   * On a device, free it with dispose() when done (forward() does that for inputs it made itself).
   */
  input(clips: readonly ArrayLike<number>[]): Tensor {
    const T = clips[0]?.length ?? 0;
    const x = Tensor.emptyOn(this.device, [clips.length, T, 1], this.dtype); // every clip is copied in whole
    const data = x.data;
    clips.forEach((clip, b) => {
      if (clip.length !== T) throw new RangeError(`input: clip ${b} has ${clip.length} samples, clip 0 has ${T}`);
      data.set(clip, b * T);
    });
    return x;
  }

  private copyIn(x: Tensor): Tensor {
    const t = Tensor.emptyOn(this.device, x.shape, this.dtype);
    t.data.set(x.data);
    return t;
  }

  /**
   * Logits [B, classes] for x [B, T, 1] (or clips). The hidden activations belong to the graph:
   * backward() frees them, and so does the next forward() if backward() was not called (so run one
   * step at a time: forward, loss, backward).
   */
  forward(x: Tensor | readonly ArrayLike<number>[], options: ForwardOptions): Tensor {
    for (const t of this.hidden) t.dispose();
    this.hidden = [];
    // Clips, or a tensor elsewhere than this model's device, are copied in (and freed with the graph).
    const input = !(x instanceof Tensor) ? this.input(x) : this.device && x.device !== this.device ? this.copyIn(x) : x;
    const L = this.layers.length;
    const stepScales = options.stepScales ?? new Array<number>(L).fill(1);
    checkStepScales(stepScales, L);
    if (input.shape.length !== 3 || input.shape[2] !== this.config.inputSize) {
      throw new RangeError(`forward: input must be [batch, T, ${this.config.inputSize}], got [${input.shape}]`);
    }
    const { train } = options;
    const dropout = train ? this.config.dropout : 0;
    const rzoh = train ? options.rzoh : undefined;
    if ((dropout > 0 || rzoh) && !options.rng) throw new RangeError('forward: dropout and RZOH need options.rng');
    this.projectEigenvalues();

    // Every hidden activation is ours alone: backward() may recycle its buffer.
    const hidden = (t: Tensor): Tensor => {
      if (t !== x && !t.disposable) {
        t.disposable = true;
        this.hidden.push(t);
      }
      return t;
    };
    hidden(input);
    let u = input;
    let previous = 1;
    this.layers.forEach((l, j) => {
      const s = stepScales[j];
      u = hidden(decimate(u, s / previous));
      previous = s;
      const res = hidden(l.skip ? linear(u, l.skip, null) : l.I === 1 && l.H !== 1 ? repeatChannel(u, l.H) : u);
      const f = hidden(l.bn ? batchNorm(u, l.bnWeight!, l.bnBias!, l.bn, train) : u);
      const y = hidden(ssmLayer(f, { lambda: l.lambda, logStep: l.logStep, b: l.b, bBias: l.bBias, c: l.c, cBias: l.cBias }, s));
      let a = hidden(leakyRelu(y));
      y.freeData(); // read by no backward closure (LeakyReLU's reads its output): one activation less per layer
      if (dropout > 0) a = hidden(channelDropout(a, dropout, options.rng!));
      u = hidden(add(a, res));
      if (rzoh) {
        const period = typeof rzoh === 'function' ? rzoh(j, options.rng!) : rzohPeriod(rzoh[j] ?? 0, options.rng!);
        u = hidden(zeroOrderHold(u, period));
      }
      options.onLayerOutput?.(j, u);
    });
    return linear(hidden(meanOverTime(u)), this.decoderWeight, this.decoderBias);
  }
}

export function checkStepScales(stepScales: readonly number[], layers: number): void {
  if (stepScales.length !== layers) throw new RangeError(`step scales [${stepScales}] have ${stepScales.length} entries, the model has ${layers} layers`);
  let previous = 1;
  stepScales.forEach((s, j) => {
    if (!Number.isInteger(s) || s < 1 || s % previous !== 0) {
      throw new RangeError(`step scale ${s} of layer ${j} must be a positive integer multiple of ${previous} (the previous layer's)`);
    }
    previous = s;
  });
}
