"""The stand-in Slack: a fake Slack for the demo, the tests and the benchmarks (never the product)."""
