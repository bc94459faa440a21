// The exported ABI: plain byte offsets into this instance's memory. The host plans every buffer
// (weights, states, scratch) above heapBase() and calls kernels with offsets; nothing here
// allocates, so the stub runtime never needs to free.
export { gemmF32, addRowsF32, addBroadcastF32, EPILOGUE_STORE, EPILOGUE_LEAKY, EPILOGUE_ACCUMULATE } from './dense';
export { ssmScanF32 } from './ssm';
export { accumulateRowsF64, decodeF64 } from './pool';

/** First free byte after the module's static data; the host's buffers start here (16-aligned). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}
export { ssmScanBatchF32, ssmAdjointScanBatchF32, gemmAtBF64, addF32, leakyReluF32, leakyReluBackwardF32, channelSquaresF64, channelDotF64, channelAffineF32, channelAffine2F32, copyRowsF32 } from './train';
