// Tests' access to the synthetic models (src/model/synthetic.ts) and the published shapes.
export { seededRandom, syntheticModel, type SyntheticShape } from '../../src/model/synthetic.js';
export { SHAPES } from '../../src/model/shapes.js';
