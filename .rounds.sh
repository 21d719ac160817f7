#!/usr/bin/env bash
# interleaved before/after rounds of BenchmarkLongQueue
export CALLDESK_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
for r in 1 2 3; do
  for v in before after; do
    d=/work/wt-queues; [ $v = before ] && d=/work/wt-queues-before
    echo "== round $r $v load $(cut -d' ' -f1-3 /proc/loadavg)"
    (cd $d && go test -run '^$' -bench '^BenchmarkLongQueue$' -benchtime 30x ./internal/web 2>&1 | grep -E '^Benchmark' | awk '{print $1, $5, $6, $7, $8}')
  done
done
echo "== end"
