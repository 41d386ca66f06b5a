export { createDriverCompat, MEMORY_LIMIT_BYTES, type DriverCompat, type DriverCompatOptions } from './driver.js';
