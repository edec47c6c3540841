/** The seed's label sets (seeds 000/001); `job` and `instance` are Prometheus's own and may be there too. */
export const SEED_LABELS: Record<string, string[]> = {
  starlette_requests_total: ['service', 'env', 'method', 'route', 'status'],
  starlette_requests_processing_seconds_bucket: ['service', 'env', 'method', 'route', 'le'],
  starlette_requests_processing_seconds_count: ['service', 'env', 'method', 'route'],
  prompter_probe_attempts_total: ['service', 'env', 'provider', 'model'],
  prompter_probe_failures_total: ['service', 'env', 'provider', 'model'],
  prompter_ensure_version_seconds_bucket: ['service', 'env', 'provider', 'le'],
  prompter_version_cache_hits_total: ['service', 'env'],
  prompter_version_lookups_total: ['service', 'env'],
  prompter_prompt_results_insert_total: ['service', 'env'],
  prompter_openai_fingerprint_present_total: ['service', 'env'],
  prompter_db_unique_violation_total: ['service', 'env', 'table'],
  prompter_redis_up: ['service', 'env'],
  celery_task_runtime_seconds_bucket: ['service', 'env', 'queue', 'le'],
  celery_task_retries_total: ['service', 'env', 'queue'],
  prompter_rate_limit_hit_total: ['service', 'env', 'endpoint'],
};
