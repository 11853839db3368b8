// The baseline: a `deno run` that imports nothing.
