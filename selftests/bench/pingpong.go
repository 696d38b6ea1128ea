// SPDX-License-Identifier: GPL-2.0
//
// pingpong: the Go peer of go3s's channel ping-pong row (go3s_sched/bench.c).
// Two goroutines pass a value back and forth over two unbuffered channels,
// as the two go3s coroutines do, and it prints ns per round trip in the
// format of the go3s/bench debugfs file:
//
//	go chan ping-pong GOMAXPROCS=N: T ns
//
// Usage: pingpong [-procs N] [-n ROUNDS]; built static with CGO_ENABLED=0
// by scripts/bench.sh and run in the same VM boot as the kernel rows.
package main

import (
	"flag"
	"fmt"
	"runtime"
	"time"
)

func main() {
	procs := flag.Int("procs", 1, "GOMAXPROCS")
	n := flag.Int("n", 200000, "round trips timed")
	flag.Parse()
	runtime.GOMAXPROCS(*procs)

	ping := make(chan int)
	pong := make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
		close(pong)
	}()
	// One warm-up round, as the kernel side does.
	ping <- 0
	<-pong
	t0 := time.Now()
	for i := 0; i < *n; i++ {
		ping <- i
		<-pong
	}
	d := time.Since(t0)
	close(ping)
	<-pong
	fmt.Printf("go chan ping-pong GOMAXPROCS=%d: %d ns\n", *procs,
		d.Nanoseconds()/int64(*n))
}
