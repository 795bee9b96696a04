package clock

import (
	"sync"
	"testing"
	"time"
)

// waitTimeout bounds every wait on a real-time timer so a broken clock fails
// the test instead of hanging it.
const waitTimeout = 5 * time.Second

// recorder collects the names of fired callbacks and the clock time each saw.
type recorder struct {
	mu    sync.Mutex
	names []string
	times []time.Time
}

func (r *recorder) fn(c *Clock, name string) func() {
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.names = append(r.names, name)
		r.times = append(r.times, c.Now())
	}
}

func (r *recorder) fired() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.names...)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// closeness is the tolerance for comparing the clock with real time.
const closeness = 500 * time.Millisecond

func near(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -closeness && d < closeness
}

func TestNowFollowsRealTime(t *testing.T) {
	c := New()
	before := time.Now()
	got := c.Now()
	after := time.Now()
	if got.Before(before) || got.After(after) {
		t.Fatalf("Now() = %v, want between %v and %v", got, before, after)
	}
	if c.Frozen() {
		t.Fatal("Frozen() = true for a new clock")
	}
	time.Sleep(5 * time.Millisecond)
	if d := c.Since(got); d < 5*time.Millisecond {
		t.Fatalf("Since() = %v after sleeping 5ms, want >= 5ms", d)
	}
}

func TestFreezeHoldsTime(t *testing.T) {
	c := New()
	c.Freeze()
	if !c.Frozen() {
		t.Fatal("Frozen() = false after Freeze")
	}
	t0 := c.Now()
	time.Sleep(5 * time.Millisecond)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("frozen Now() moved from %v to %v", t0, got)
	}
	c.Freeze()
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("second Freeze moved the clock from %v to %v", t0, got)
	}
}

func TestAdvanceFrozen(t *testing.T) {
	c := New()
	c.Freeze()
	t0 := c.Now()
	c.Advance(time.Hour)
	if got, want := c.Now(), t0.Add(time.Hour); !got.Equal(want) {
		t.Fatalf("after Advance(1h) Now() = %v, want %v", got, want)
	}
	c.Advance(-time.Hour)
	if got, want := c.Now(), t0.Add(time.Hour); !got.Equal(want) {
		t.Fatalf("Advance(-1h) moved the clock to %v, want it to stay at %v", got, want)
	}
}

func TestAdvanceRunning(t *testing.T) {
	c := New()
	c.Advance(time.Hour)
	if got, want := c.Now(), time.Now().Add(time.Hour); !near(got, want) {
		t.Fatalf("after Advance(1h) Now() = %v, want about %v", got, want)
	}
	if c.Frozen() {
		t.Fatal("Advance froze the clock")
	}
}

func TestSet(t *testing.T) {
	c := New()
	c.Freeze()
	target := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	c.Set(target)
	if got := c.Now(); !got.Equal(target) {
		t.Fatalf("frozen Set: Now() = %v, want %v", got, target)
	}
	past := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	c.Set(past)
	if got := c.Now(); !got.Equal(past) {
		t.Fatalf("frozen Set into the past: Now() = %v, want %v", got, past)
	}

	r := New()
	r.Set(target)
	time.Sleep(10 * time.Millisecond)
	got := r.Now()
	if got.Before(target.Add(10*time.Millisecond)) || !near(got, target) {
		t.Fatalf("running Set: Now() = %v, want a little after %v", got, target)
	}
}

func TestResumeSkipsNoTime(t *testing.T) {
	c := New()
	c.Freeze()
	frozenAt := c.Now()
	time.Sleep(20 * time.Millisecond)
	c.Resume()
	if c.Frozen() {
		t.Fatal("Frozen() = true after Resume")
	}
	got := c.Now()
	if got.Before(frozenAt) || got.Sub(frozenAt) >= 20*time.Millisecond {
		t.Fatalf("after Resume Now() = %v, want just after the frozen instant %v", got, frozenAt)
	}
	time.Sleep(5 * time.Millisecond)
	if c.Since(got) < 5*time.Millisecond {
		t.Fatal("resumed clock does not advance with real time")
	}
}

func TestReset(t *testing.T) {
	c := New()
	c.Advance(48 * time.Hour)
	c.Freeze()
	c.Reset()
	if c.Frozen() {
		t.Fatal("Frozen() = true after Reset")
	}
	if got, want := c.Now(), time.Now(); !near(got, want) {
		t.Fatalf("after Reset Now() = %v, want about %v", got, want)
	}
}

func TestAdvanceFiresInDeadlineOrder(t *testing.T) {
	c := New()
	c.Freeze()
	t0 := c.Now()
	var r recorder
	c.AfterFunc(3*time.Hour, r.fn(c, "3h"))
	c.AfterFunc(time.Hour, r.fn(c, "1h-a"))
	c.AfterFunc(2*time.Hour, r.fn(c, "2h"))
	c.AfterFunc(time.Hour, r.fn(c, "1h-b"))

	c.Advance(90 * time.Minute)
	if got, want := r.fired(), []string{"1h-a", "1h-b"}; !equalStrings(got, want) {
		t.Fatalf("after Advance(90m) fired %v, want %v", got, want)
	}
	if got, want := c.Now(), t0.Add(90*time.Minute); !got.Equal(want) {
		t.Fatalf("after Advance(90m) Now() = %v, want %v", got, want)
	}
	c.Advance(2 * time.Hour)
	if got, want := r.fired(), []string{"1h-a", "1h-b", "2h", "3h"}; !equalStrings(got, want) {
		t.Fatalf("after Advance(3h30m) fired %v, want %v", got, want)
	}
	wantTimes := []time.Time{t0.Add(time.Hour), t0.Add(time.Hour), t0.Add(2 * time.Hour), t0.Add(3 * time.Hour)}
	for i, want := range wantTimes {
		if !r.times[i].Equal(want) {
			t.Errorf("callback %s saw Now() = %v, want its deadline %v", r.names[i], r.times[i], want)
		}
	}
}

func TestAdvanceStepsThroughRescheduledTimers(t *testing.T) {
	c := New()
	c.Freeze()
	t0 := c.Now()
	var mu sync.Mutex
	var ticks []time.Time
	var tick func()
	tick = func() {
		mu.Lock()
		ticks = append(ticks, c.Now())
		mu.Unlock()
		c.AfterFunc(time.Hour, tick)
	}
	c.AfterFunc(time.Hour, tick)
	c.Advance(3*time.Hour + time.Minute)
	mu.Lock()
	defer mu.Unlock()
	if len(ticks) != 3 {
		t.Fatalf("an hourly timer fired %d times in 3h1m, want 3", len(ticks))
	}
	for i, got := range ticks {
		if want := t0.Add(time.Duration(i+1) * time.Hour); !got.Equal(want) {
			t.Errorf("tick %d at %v, want %v", i, got, want)
		}
	}
}

func TestSetForwardFiresAndBackwardDoesNot(t *testing.T) {
	c := New()
	c.Freeze()
	t0 := c.Now()
	var r recorder
	c.AfterFunc(time.Hour, r.fn(c, "1h"))
	c.Set(t0.Add(-time.Hour))
	if got := r.fired(); len(got) != 0 {
		t.Fatalf("Set into the past fired %v", got)
	}
	c.Set(t0.Add(2 * time.Hour))
	if got, want := r.fired(), []string{"1h"}; !equalStrings(got, want) {
		t.Fatalf("Set forward fired %v, want %v", got, want)
	}
}

func TestAfterFuncFiresInRealTime(t *testing.T) {
	c := New()
	done := make(chan time.Time, 1)
	start := time.Now()
	c.AfterFunc(20*time.Millisecond, func() { done <- time.Now() })
	select {
	case at := <-done:
		if at.Sub(start) < 20*time.Millisecond {
			t.Fatalf("timer fired after %v, before its 20ms deadline", at.Sub(start))
		}
	case <-time.After(waitTimeout):
		t.Fatal("timer never fired in real time")
	}
}

func TestAdvanceRunningRearmsTrigger(t *testing.T) {
	c := New()
	done := make(chan struct{})
	c.AfterFunc(time.Hour, func() { close(done) })
	c.Advance(time.Hour - 20*time.Millisecond)
	select {
	case <-done:
	case <-time.After(waitTimeout):
		t.Fatal("a timer 20ms away after Advance did not fire in real time")
	}
}

func TestFreezeStopsRealTimeFiring(t *testing.T) {
	c := New()
	fired := make(chan struct{}, 1)
	c.AfterFunc(20*time.Millisecond, func() { fired <- struct{}{} })
	c.Freeze()
	time.Sleep(60 * time.Millisecond)
	select {
	case <-fired:
		t.Fatal("timer fired in real time while the clock was frozen")
	default:
	}
	c.Advance(20 * time.Millisecond)
	select {
	case <-fired:
	default:
		t.Fatal("timer did not fire when the frozen clock reached its deadline")
	}
}

func TestResumeRunsPendingTimers(t *testing.T) {
	c := New()
	c.Freeze()
	fired := make(chan struct{})
	c.AfterFunc(20*time.Millisecond, func() { close(fired) })
	c.Resume()
	select {
	case <-fired:
	case <-time.After(waitTimeout):
		t.Fatal("timer did not fire in real time after Resume")
	}
}

func TestResetFiresTimersItPasses(t *testing.T) {
	c := New()
	c.Freeze()
	c.Set(time.Now().Add(-2 * time.Hour))
	var r recorder
	c.AfterFunc(time.Hour, r.fn(c, "1h"))
	c.Reset()
	if got, want := r.fired(), []string{"1h"}; !equalStrings(got, want) {
		t.Fatalf("Reset to real time fired %v, want %v", got, want)
	}
}

func TestStopBeforeFire(t *testing.T) {
	c := New()
	c.Freeze()
	var r recorder
	tm := c.AfterFunc(time.Hour, r.fn(c, "stopped"))
	c.AfterFunc(time.Hour, r.fn(c, "kept"))
	if !tm.Stop() {
		t.Fatal("Stop() = false for a pending timer")
	}
	if tm.Stop() {
		t.Fatal("second Stop() = true")
	}
	c.Advance(2 * time.Hour)
	if got, want := r.fired(), []string{"kept"}; !equalStrings(got, want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
}

func TestStopAfterFire(t *testing.T) {
	c := New()
	c.Freeze()
	var r recorder
	tm := c.AfterFunc(time.Minute, r.fn(c, "x"))
	c.Advance(time.Minute)
	if tm.Stop() {
		t.Fatal("Stop() = true for a timer that already fired")
	}
	if got := r.fired(); len(got) != 1 {
		t.Fatalf("fired %v, want one call", got)
	}
}

func TestAfterFuncZeroDelayIsAsynchronous(t *testing.T) {
	for _, frozen := range []bool{false, true} {
		c := New()
		if frozen {
			c.Freeze()
		}
		// The callback needs the lock the caller holds while calling
		// AfterFunc: a synchronous call would deadlock.
		var mu sync.Mutex
		done := make(chan struct{})
		mu.Lock()
		c.AfterFunc(0, func() {
			mu.Lock()
			defer mu.Unlock()
			close(done)
		})
		mu.Unlock()
		select {
		case <-done:
		case <-time.After(waitTimeout):
			t.Fatalf("frozen=%v: AfterFunc(0) never fired", frozen)
		}
	}
}

func TestAfterChannel(t *testing.T) {
	c := New()
	c.Freeze()
	t0 := c.Now()
	ch, stop := c.After(time.Minute)
	select {
	case v := <-ch:
		t.Fatalf("After sent %v before the clock moved", v)
	default:
	}
	c.Advance(time.Minute)
	select {
	case v := <-ch:
		if want := t0.Add(time.Minute); !v.Equal(want) {
			t.Fatalf("After sent %v, want %v", v, want)
		}
	default:
		t.Fatal("After sent nothing once the clock reached the deadline")
	}
	if stop() {
		t.Fatal("stop() = true after the timer fired")
	}

	ch2, stop2 := c.After(time.Minute)
	if !stop2() {
		t.Fatal("stop() = false for a pending After")
	}
	c.Advance(time.Hour)
	select {
	case v := <-ch2:
		t.Fatalf("stopped After sent %v", v)
	default:
	}
}

func TestAfterChannelRealTime(t *testing.T) {
	c := New()
	ch, _ := c.After(10 * time.Millisecond)
	select {
	case <-ch:
	case <-time.After(waitTimeout):
		t.Fatal("After never sent in real time")
	}
}

func TestConcurrentUse(t *testing.T) {
	const goroutines, perGoroutine = 8, 200
	c := New()
	var wg sync.WaitGroup
	var mu sync.Mutex
	fired, stopped := 0, 0
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				tm := c.AfterFunc(time.Duration(i%5)*time.Millisecond, func() {
					mu.Lock()
					fired++
					mu.Unlock()
				})
				switch (g + i) % 4 {
				case 0:
					if tm.Stop() {
						mu.Lock()
						stopped++
						mu.Unlock()
					}
				case 1:
					c.Advance(time.Millisecond)
				case 2:
					c.Now()
				case 3:
					if i%40 == 3 {
						c.Freeze()
					} else if i%40 == 23 {
						c.Resume()
					}
				}
			}
		})
	}
	wg.Wait()
	c.Resume()
	c.Advance(time.Second)
	deadline := time.Now().Add(waitTimeout)
	for {
		mu.Lock()
		f, s := fired, stopped
		mu.Unlock()
		if f+s == goroutines*perGoroutine {
			return
		}
		if f+s > goroutines*perGoroutine || time.Now().After(deadline) {
			t.Fatalf("fired %d and stopped %d timers, want %d in all", f, s, goroutines*perGoroutine)
		}
		time.Sleep(time.Millisecond)
	}
}
