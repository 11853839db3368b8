// The command-line parser lives in one place, src/cli/_args.ts; this path
// stays only for the programs that still import it here (the VM testbed's
// CLI), so that they follow the same conventions with the same code.

export * from "../cli/_args.ts";
