/** Operations (layer 2): structured logs, Prometheus metrics and rate limits. */
export { describeError, log, setLogLevel, withRequestId } from "./log.ts";
export { metrics, METRICS_CONTENT_TYPE, renderMetrics } from "./metrics.ts";
export { BatchedRateLimit, hitRateLimit } from "./rate_limit.ts";
