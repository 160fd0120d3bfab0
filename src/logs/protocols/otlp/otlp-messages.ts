import protobuf from 'protobufjs';
import { OTLP_PROTO_FILES } from './otlp-proto-files.js';

const COLLECTOR = 'opentelemetry.proto.collector';

/** The OTLP/HTTP signals lagwatch takes. */
export type OtlpSignal = 'traces' | 'logs';

export interface OtlpMessages {
  traceRequest: protobuf.Type;
  traceResponse: protobuf.Type;
  logsRequest: protobuf.Type;
  logsResponse: protobuf.Type;
  /** google.rpc.Status (code and message; the details are never sent). */
  status: protobuf.Type;
}

/**
 * google.rpc.Status as the OTLP specification answers errors with, without its `details`
 * (an Any lagwatch never fills): field numbers as in googleapis' google/rpc/status.proto.
 */
const RPC_STATUS = 'syntax = "proto3"; package google.rpc; message Status { int32 code = 1; string message = 2; }';

let loaded: OtlpMessages | undefined;

/** The OTLP message types, parsed from the vendored definitions on first use. */
export function otlpMessages(): OtlpMessages {
  if (loaded) return loaded;
  const root = new protobuf.Root();
  for (const text of Object.values(OTLP_PROTO_FILES)) protobuf.parse(text, root, { keepCase: false });
  protobuf.parse(RPC_STATUS, root);
  root.resolveAll();
  loaded = {
    traceRequest: root.lookupType(`${COLLECTOR}.trace.v1.ExportTraceServiceRequest`),
    traceResponse: root.lookupType(`${COLLECTOR}.trace.v1.ExportTraceServiceResponse`),
    logsRequest: root.lookupType(`${COLLECTOR}.logs.v1.ExportLogsServiceRequest`),
    logsResponse: root.lookupType(`${COLLECTOR}.logs.v1.ExportLogsServiceResponse`),
    status: root.lookupType('google.rpc.Status'),
  };
  return loaded;
}
