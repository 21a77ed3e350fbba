/**
 * overlay-analyzer as a library: the whole pipeline (analyze, analyzeFile, analyzeBuffer,
 * analyzeStream, analyzeText) and its layers, each usable on its own. The tcpdump text grammar is
 * loaded only when text is read (loadText for its parser).
 */
export * from './model.js';
export { analyze, analyzeBuffer, analyzeFile, analyzeFiles, analyzeStream, analyzeText, AnalyzeError, NO_OVERLAY_HINT, type AnalyzeOptions, type Progress, type Source } from './analyze.js';
export { decodeFrame, decodeOptions, defaultDecodeOptions, type DecodeOptions, type DecodedLink } from './decoders/index.js';
export { openInput, readCapture, type OpenedInput, type InputFormat, type CaptureSummary } from './readers/index.js';
export { InputError, type InputWarning, type RecordHandler } from './readers/types.js';
export type { TextReader, TextStats } from './lexer/index.js';
export { FlowTable, flowEvidence, type Flow, type FlowTableOptions, type TableResult, type Evidence, type FlowError } from './flows/table.js';
export { viewOf, type View, type Tuple, type TunnelHop, type FlowProto } from './flows/view.js';
export { errorClass, type ErrorClass } from './flows/icmp-errors.js';
export { classify, facts, RULES, VERDICTS, verdictOf, type Classified, type Facts, type Rule, type Verdict } from './classifier/index.js';
export { buildReport, ReportBuilder, type BuilderOptions, type Report, type FlowReport, type TunnelReport, type InputSummary, type Finding, type ClusterReport, type ClusterFinding, type AddressName } from './report/build.js';
export { SCHEMA_VERSION } from './report/schema.js';
export { annotate, KubeError, readCluster, resolver, type Cluster } from './kube/index.js';
export { renderText, type TextOptions } from './report/text.js';
export { renderHtml } from './report/html/page.js';
export { ladderOf, type Ladder } from './report/ladder.js';

/** The tcpdump text reader (TextReader, parseText), loaded on first use: its grammar takes a while to build. */
export function loadText(): Promise<typeof import('./lexer/index.js')> {
  return import('./lexer/index.js');
}
