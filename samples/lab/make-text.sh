#!/usr/bin/env bash
# Rewrites the text tcpdump prints for each lab capture: FILE.nn.txt (-nn), FILE.nn-e.txt (-nn -e),
# FILE.nn-v.txt (-nn -v). make-captures.sh already does this inside the capturing namespace, where
# tcpdump finds the right interface names for Linux cooked v2 captures; run this one only to
# regenerate the text elsewhere (interface names of -i any captures may then differ).
set -euo pipefail
cd "$(dirname "$0")"
export TZ=UTC
for f in *.pcap; do
  tcpdump -r "$f" -nn 2>/dev/null >"$f.nn.txt"
  tcpdump -r "$f" -nn -e 2>/dev/null >"$f.nn-e.txt"
  tcpdump -r "$f" -nn -v 2>/dev/null >"$f.nn-v.txt"
done
