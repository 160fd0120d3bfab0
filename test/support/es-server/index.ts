export type { ClusterStats } from './cluster.js';
export type { FieldType, Mapping } from './documents.js';
export { ALL_PERSONAS, PERSONAS, type Persona, type PersonaName } from './personas.js';
export { EsTestServer, type EsTestServerOptions } from './server.js';
