export { createDriverCompat, type DriverCompat, type DriverCompatOptions } from './driver.js';
