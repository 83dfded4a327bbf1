/** Operations (layer 2): structured logs, Prometheus metrics, rate limits and polling loops. */
export { describeError, log, setLogLevel, withRequestId } from "./log.ts";
export { metrics, METRICS_CONTENT_TYPE, renderMetrics } from "./metrics.ts";
export { BatchedRateLimit, hitRateLimit } from "./rate_limit.ts";
export { startPolling } from "./poll.ts";
