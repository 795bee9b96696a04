package gateway

import (
	"context"
	"testing"
	"time"

	"github.com/virga-aws/virga/internal/service"
)

// blockingOp is a handler that signals it started and then waits for
// release, inside Idle when idle is set.
func blockingOp(started, release chan struct{}, idle bool) service.Operation {
	return service.Operation{
		NewInput: func() any { return nil },
		Call: func(ctx context.Context, _ any) (any, error) {
			started <- struct{}{}
			if idle {
				Idle(ctx, func() { <-release })
			} else {
				<-release
			}
			return nil, nil
		},
	}
}

// returnsWithin reports whether fn returns within d.
func returnsWithin(d time.Duration, fn func()) bool {
	done := make(chan struct{})
	go func() { fn(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

func TestPauseWaitsForRunningHandler(t *testing.T) {
	g := New(Config{})
	started, release := make(chan struct{}), make(chan struct{})
	handlerDone := make(chan struct{})
	go func() { g.call(context.Background(), blockingOp(started, release, false), nil); close(handlerDone) }()
	<-started
	paused := make(chan func())
	go func() { paused <- g.Pause() }()
	select {
	case <-paused:
		t.Fatal("Pause returned while a handler was running")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-handlerDone
	resume := <-paused
	resume()
}

func TestPauseSkipsIdleHandlerAndHoldsNewOnes(t *testing.T) {
	g := New(Config{})
	started, release := make(chan struct{}), make(chan struct{})
	handlerDone := make(chan struct{})
	go func() { g.call(context.Background(), blockingOp(started, release, true), nil); close(handlerDone) }()
	<-started
	var resume func()
	if !returnsWithin(5*time.Second, func() { resume = g.Pause() }) {
		t.Fatal("Pause waited for a handler idle in Idle")
	}
	// The idle handler's wait ends, but it cannot go on until resume.
	close(release)
	select {
	case <-handlerDone:
		t.Fatal("an idle handler went on during a pause")
	case <-time.After(50 * time.Millisecond):
	}
	// A new request waits for the pause to end too.
	started2, release2 := make(chan struct{}), make(chan struct{})
	close(release2)
	go g.call(context.Background(), blockingOp(started2, release2, false), nil)
	select {
	case <-started2:
		t.Fatal("a handler started during a pause")
	case <-time.After(50 * time.Millisecond):
	}
	resume()
	<-handlerDone
	<-started2
}

func TestIdleOutsideHandler(t *testing.T) {
	ran := false
	Idle(context.Background(), func() { ran = true })
	if !ran {
		t.Error("Idle did not run wait")
	}
}
