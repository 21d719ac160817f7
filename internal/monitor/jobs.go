package monitor

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// StallFactor and MinStall say when a background task has stalled: neither started nor finished
// a run for StallFactor times its interval, and for at least MinStall (a task run every second
// may be held up a few seconds by a busy database without anything being wrong).
const (
	StallFactor = 3
	MinStall    = time.Minute
)

// jobBuckets are the upper bounds, in seconds, of the run-duration histogram's buckets.
func jobBuckets() []float64 { return []float64{0.01, 0.05, 0.25, 1, 5, 30, 120, 600} }

// Jobs follows the background tasks of a jobs.Runner (it is the runner's Observer): when each
// last started and finished, for readiness, and its runs, failures and durations, for metrics.
// Safe for concurrent use.
type Jobs struct {
	now func() time.Time

	mu    sync.Mutex
	tasks map[string]*jobState
}

type jobState struct {
	every     time.Duration
	scheduled time.Time // when the runner started it
	started   time.Time // the last run's start (zero: none yet)
	finished  time.Time // the last run's end
	running   bool

	runs, failures int64
	seconds        float64  // the runs' durations added up
	buckets        []uint64 // runs by duration, per jobBuckets (not cumulative)
	lastSuccess    time.Time
}

// NewJobs returns a tracker reading the clock now (time.Now when nil).
func NewJobs(now func() time.Time) *Jobs {
	if now == nil {
		now = time.Now
	}
	return &Jobs{now: now, tasks: map[string]*jobState{}}
}

// Scheduled notes a task and its interval (jobs.Observer).
func (j *Jobs) Scheduled(task string, every time.Duration) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.tasks[task] = &jobState{every: every, scheduled: j.now(), buckets: make([]uint64, len(jobBuckets()))}
}

// Started notes that a run of task began (jobs.Observer).
func (j *Jobs) Started(task string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if t := j.tasks[task]; t != nil {
		t.started, t.running = j.now(), true
	}
}

// Finished notes that a run of task ended (jobs.Observer).
func (j *Jobs) Finished(task string, took time.Duration, err error) {
	now := j.now()
	j.mu.Lock()
	defer j.mu.Unlock()
	t := j.tasks[task]
	if t == nil {
		return
	}
	t.finished, t.running = now, false
	t.runs++
	if err != nil {
		t.failures++
	} else {
		t.lastSuccess = now
	}
	s := took.Seconds()
	t.seconds += s
	b, _ := slices.BinarySearch(jobBuckets(), s)
	if b < len(t.buckets) {
		t.buckets[b]++
	}
}

// Stall is a task that has not run for too long.
type Stall struct {
	Task  string
	Every time.Duration
	// Since is its last sign of life: the last start or end of a run, or when it was scheduled.
	Since time.Time
	// Running says it is in a run that started at Since and has not ended.
	Running bool
}

// Stalled lists, by name, the tasks with no run started or finished within
// max(StallFactor × interval, MinStall) of now.
func (j *Jobs) Stalled() []Stall {
	now := j.now()
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Stall
	for name, t := range j.tasks {
		last := t.scheduled
		if t.started.After(last) {
			last = t.started
		}
		if t.finished.After(last) {
			last = t.finished
		}
		if now.Sub(last) > max(StallFactor*t.every, MinStall) {
			out = append(out, Stall{Task: name, Every: t.every, Since: last, Running: t.running})
		}
	}
	slices.SortFunc(out, func(a, b Stall) int { return cmp.Compare(a.Task, b.Task) })
	return out
}

// jobFigures is one task's figures for a scrape.
type jobFigures struct {
	name           string
	runs, failures int64
	seconds        float64
	buckets        map[float64]uint64 // cumulative, as a Prometheus histogram has them
	lastSuccess    time.Time
	running        bool
}

func (j *Jobs) figures() []jobFigures {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]jobFigures, 0, len(j.tasks))
	bounds := jobBuckets()
	for name, t := range j.tasks {
		f := jobFigures{name: name, runs: t.runs, failures: t.failures, seconds: t.seconds, lastSuccess: t.lastSuccess,
			running: t.running, buckets: make(map[float64]uint64, len(bounds))}
		var sum uint64
		for i, b := range bounds {
			sum += t.buckets[i]
			f.buckets[b] = sum
		}
		out = append(out, f)
	}
	return out
}
