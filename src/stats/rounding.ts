// How figures are rounded lives beside the log sources, which page apps by rounded figures.
export { finiteMs, percentOf, roundMs } from '../logs/figure-rounding.js';
