// Run the OTLP/HTTP bridge inside your own Node process, and send it data with the official OTLP
// exporter (any OTLP/HTTP sender works: an OpenTelemetry Collector, another language's SDK).
// Reads SYVAIN_METRICS_API_KEY (and SYVAIN_METRICS_HOST, if set) from the environment.
// snippet: the README shows from here to "end snippet"
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { createBridge } from "syvain-metrics-otel/bridge";

const bridge = createBridge({ port: 0 }); // 0: any free port (`syvain-otel bridge` defaults to 4318)
const { url } = await bridge.start();

const meterProvider = new MeterProvider({
  resource: resourceFromAttributes({ "service.name": "bert-finetune", "config.lr": 3e-5 }),
  readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${url}/v1/metrics` }), cardinalityLimits: { gauge: 100_000 } })],
});
const loss = meterProvider.getMeter("train").createGauge("loss");
for (let step = 0; step < 100; step++) loss.record(1 / (step + 1), { step, split: "train" });

await meterProvider.shutdown(); // the OTLP exporter sends everything to the bridge
await bridge.close(); // stop accepting, deliver what is queued to Syvain, close
console.log("bridge closed");
// end snippet
