export { createLifecycle } from './lifecycle.js';
export type { Lifecycle, LifecycleOptions, StopStep } from './lifecycle.js';
