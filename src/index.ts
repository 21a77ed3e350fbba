/**
 * overlay-analyzer as a library: the whole pipeline (analyze, analyzeFile, analyzeBuffer,
 * analyzeStream, analyzeText) and its layers, each usable on its own. The tcpdump text grammar is
 * loaded only when text is read (loadText for its parser).
 */

export {
  AnalyzeError,
  type AnalyzeOptions,
  analyze,
  analyzeBuffer,
  analyzeFile,
  analyzeFiles,
  analyzeStream,
  analyzeText,
  NO_OVERLAY_HINT,
  type Progress,
  type Source,
} from './analyze.js';
export { type Classified, classify, type Facts, facts, RULES, type Rule, VERDICTS, type Verdict, verdictOf } from './classifier/index.js';
export { type DecodedLink, type DecodeOptions, decodeFrame, decodeOptions, defaultDecodeOptions } from './decoders/index.js';
export { type ErrorClass, errorClass } from './flows/icmp-errors.js';
export { type Evidence, type Flow, type FlowError, FlowTable, type FlowTableOptions, flowEvidence, type TableResult } from './flows/table.js';
export { type FlowProto, type TunnelHop, type Tuple, type View, viewOf } from './flows/view.js';
export { annotate, type Cluster, KubeError, nodeNamer, readCluster, resolver } from './kube/index.js';
export type { TextReader, TextStats } from './lexer/index.js';
export * from './model.js';
export { type CaptureSummary, type InputFormat, type OpenedInput, openInput, readCapture } from './readers/index.js';
export { InputError, type InputWarning, type RecordHandler } from './readers/types.js';
export {
  type AddressName,
  type BuilderOptions,
  buildReport,
  type ClusterFinding,
  type ClusterReport,
  type Finding,
  type FlowReport,
  type InputSummary,
  type Report,
  ReportBuilder,
  type TunnelReport,
} from './report/build.js';
export { renderHtml } from './report/html/page.js';
export { type Ladder, ladderOf } from './report/ladder.js';
export { SCHEMA_VERSION } from './report/schema.js';
export { renderText, type TextOptions } from './report/text.js';

/** The tcpdump text reader (TextReader, parseText), loaded on first use: its grammar takes a while to build. */
export function loadText(): Promise<typeof import('./lexer/index.js')> {
  return import('./lexer/index.js');
}
