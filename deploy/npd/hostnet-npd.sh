#!/bin/sh
# node-problem-detector custom plugin: NPD runs this, reads the exit code (0 OK, 1 NonOK, 2 Unknown)
# and takes stdout as the condition's message. hostnet check --npd keeps to exactly that.
exec node /opt/hostnet/hostnet.js check --npd --fail-on warning
