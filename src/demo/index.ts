export {
  type DemoLog,
  type DemoTrafficOptions,
  type GenerateOptions,
  generateDemoLogs,
  slowdownAt,
  startDemoTraffic,
} from './generate.js';
export { DEMO_APPS } from './profiles.js';
export { DEMO_RULES, DEMO_TARGETS } from './rules.js';
