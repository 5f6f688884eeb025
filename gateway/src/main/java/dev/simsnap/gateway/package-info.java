/**
 * HTTP ingest gateway: lets non-JVM simulations (Python, ...) publish run records through {@link
 * dev.simsnap.producer.SimsnapWorker} with plain JSON over HTTP. See {@link dev.simsnap.gateway.GatewayServer}.
 */
package dev.simsnap.gateway;
