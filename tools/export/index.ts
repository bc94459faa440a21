// Export of a trained S-Edge model: to the runtime's Model (BatchNorm folded, discretised at any
// step scales, continuous parameters kept), then to sedge's safetensors or the authors' model_dict.npy.
import { encodeSafetensors } from '../../src/model/safetensors.js';
import type { SedgeModel } from '../train/model.js';
import { exportModel, type ExportOptions } from './to-model.js';

export { exportModel, foldedContinuous, type ExportOptions } from './to-model.js';
export { encodeModelDict, modelDictFileName, modelDictValue } from './model-dict.js';
export { encodeObjectNpy, pickle, type PickleValue } from './pickle.js';
export { encodeNpz } from './npz.js';

/** sedge's safetensors for a trained model (with its continuous parameters, so the runtime can re-discretise). */
export const exportSafetensors = (model: SedgeModel, options: ExportOptions = {}): Uint8Array => encodeSafetensors(exportModel(model, options));
