/** The C++ emitter: Model → self-contained C++17 package for microcontrollers (see emit.ts). */
export { checkPackageName, defaultPackageName, emitCppPackage, type CppPackage, type EmitOptions } from './emit.js';
export { planCppPackage, checkNesting, type CppPlan, type LayerPlan, type SkipKind } from './plan.js';
export { quantiseRows } from './pack.js';
export { writePackageFolder, type WriteOptions } from './write.js';
export { targetReport, formatTargetReport, matchShape, CPP_NN_MFLOPS_RANGE, type TargetReport, type ReportOptions } from './report.js';
