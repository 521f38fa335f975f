#!/usr/bin/env node
// `npx skillbench` in a checkout: the committed bundle, no build step needed.
import "../dist/cli/index.js";
