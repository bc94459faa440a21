// The autograd's entry: every public name, in one place. Sources of the design: tensor.ts (storage,
// ops' shape), tape.ts (the backward sweep), ssm.ts (the fused S-Edge layer op).
export { Tensor, emptyLike, record, sameDtype, allocate, release, type Data, type DType } from './tensor.js';
export { backward, topologicalOrder } from './tape.js';
export { Device, deviceOf } from './device.js';
export { loadTrainKernels, type TrainKernels } from './wasm.js';
export { add, mul, scale, leakyRelu, sqrt, sum, mean, matmul, transpose, accumulateGrad, kernelsOf } from './ops.js';
export { linear } from './linear.js';
export { batchNorm, BN_EPS, BN_MOMENTUM, type BatchNormBuffers } from './batchnorm.js';
export { decimate, zeroOrderHold, rzohPeriod, channelDropout, repeatChannel, meanOverTime } from './sequence.js';
export { ssmLayer, type SsmParams } from './ssm.js';
export { zohForward, zohBackward, type Zoh } from './zoh.js';
export { crossEntropy, decoderOrthogonality, sedgeLoss, type SedgeLoss } from './loss.js';
export { createRng, normal, uniform, truncatedNormal, type Rng } from './random.js';
export { orthogonal, lecunNormal, normaliseRows, s5Init, symmetricEigen } from './init.js';
