export { Dispatcher, type BatchRunner, type CodeSource, type DispatchHooks, type DispatchSettings } from './dispatcher.js';
export { Placement } from './placement.js';
export { ThrottleRegistry, type ThrottleHooks, type ThrottleSettings, type ThrottleState } from './throttle.js';
