/**
 * overlay-analyzer as a library: the whole pipeline (analyzeFile, analyzeStream, analyzeText)
 * and its layers, each usable on its own.
 */
export * from './model.js';
export { analyzeFile, analyzeFiles, analyzeStream, analyzeText, AnalyzeError, type AnalyzeOptions } from './analyze.js';
export { decodeFrame, decodeOptions, defaultDecodeOptions, type DecodeOptions, type DecodedLink } from './decoders/index.js';
export { openInput, readCapture, type OpenedInput, type InputFormat, type CaptureSummary } from './readers/index.js';
export { InputError, type InputWarning, type RecordHandler } from './readers/types.js';
export { TextReader, parseText } from './lexer/index.js';
export { FlowTable, flowEvidence, type Flow, type FlowTableOptions, type TableResult, type Evidence, type FlowError } from './flows/table.js';
export { viewOf, type View, type Tuple, type TunnelHop, type FlowProto } from './flows/view.js';
export { errorClass, type ErrorClass } from './flows/icmp-errors.js';
export { classify, facts, RULES, VERDICTS, verdictOf, type Classified, type Facts, type Rule, type Verdict } from './classifier/index.js';
export { buildReport, ReportBuilder, type Report, type FlowReport, type TunnelReport, type InputSummary } from './report/build.js';
export { renderText, type TextOptions } from './report/text.js';
export { renderHtml } from './report/html/page.js';
export { ladderOf, type Ladder } from './report/ladder.js';
