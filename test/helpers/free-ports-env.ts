/** Environment that moves every port of config/gateway.yaml to a free one. */
export const FREE_PORTS_ENV: NodeJS.ProcessEnv = {
  SWITCHYARD_OTLP_GRPC_PORT: '0',
  SWITCHYARD_OTLP_HTTP_PORT: '0',
  SWITCHYARD_PROMETHEUS_PORT: '0',
  SWITCHYARD_ADMIN_PORT: '0',
};
