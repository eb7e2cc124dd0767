package train

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/distributed"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestDataParallelMesh builds, without running it, the setup of 4 devices: a one-axis "data"
// mesh, batch inputs sharded along their first axis, rows split in order.
func TestDataParallelMesh(t *testing.T) {
	p, err := dataParallelMesh(4)
	if err != nil {
		t.Fatal(err)
	}
	if p.mesh.NumDevices() != 4 || !slices.Equal(p.mesh.AxesNames(), []string{"data"}) ||
		!slices.Equal(p.mesh.AxesSizes(), []int{4}) {
		t.Errorf("mesh %s, want one axis data of 4 devices", p.mesh)
	}
	if p.spec.Mesh != p.mesh || len(p.spec.Axes) != 1 ||
		!slices.Equal(p.spec.Axes[0], distributed.AxisSpec{"data"}) || p.spec.IsReplicated() {
		t.Errorf("batch sharding %s, want the first axis over data", p.spec)
	}
	if !slices.Equal(p.devices, []compute.DeviceNum{0, 1, 2, 3}) {
		t.Errorf("devices %v, want 0..3", p.devices)
	}
	// Rows 0-1 to device 0, rows 2-3 to device 1, ...: [8, 2] -> 4 shards of [2, 2].
	flat := make([]int32, 16)
	for i := range flat {
		flat[i] = int32(i)
	}
	d, err := p.shard(tensors.FromFlatDataAndDimensions(flat, 8, 2))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range d.Shards() {
		got := tensors.MustCopyFlatData[int32](s)
		if want := flat[4*i : 4*i+4]; !slices.Equal(got, want) ||
			!slices.Equal(s.Shape().Dimensions, []int{2, 2}) {
			t.Errorf("shard %d = %v %v, want %v [2 2]", i, got, s.Shape(), want)
		}
	}
	if _, err := p.shard(tensors.FromFlatDataAndDimensions(flat[:6], 6)); err == nil ||
		!strings.Contains(err.Error(), "6 rows does not split over 4") {
		t.Errorf("6 rows over 4 devices: err = %v", err)
	}
}

// TestDataParallelNeedsDevices: the Go backend has one device, so 2 fail with an error naming
// the backend and its device count, before any training.
func TestDataParallelNeedsDevices(t *testing.T) {
	b := testBackend(t)
	if b.NumDevices() >= 2 {
		t.Skipf("backend %s has %d devices", b.Name(), b.NumDevices())
	}
	cfg := tinyConfig(1)
	cfg.DataParallel = 2
	_, err := Reference(context.Background(), b, tinyPairs(t), cfg)
	want := `DataParallel 2 needs 2 devices, but backend "` + b.Name() + `" has 1`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want one containing %q", err, want)
	}
	cfg.DataParallel = 3 // does not divide BatchSize 4
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "divide BatchSize") {
		t.Errorf("DataParallel 3 of BatchSize 4: err = %v", err)
	}
}

// TestDataParallelOneIsToday: DataParallel 1 trains exactly as the default.
func TestDataParallelOneIsToday(t *testing.T) {
	b := testBackend(t)
	cfg := tinyConfig(3)
	cfg.SFTSteps = 3
	var a, c *Model
	var err1, err2 error
	deadline(t, time.Minute, func() {
		a, err1 = Reference(context.Background(), b, tinyPairs(t), cfg)
		cfg.DataParallel = 1
		c, err2 = Reference(context.Background(), b, tinyPairs(t), cfg)
	})
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	wa, wc := weights(t, a.Store), weights(t, c.Store)
	if len(wa) == 0 {
		t.Fatal("no weights")
	}
	for k := range wa {
		if !slices.Equal(wa[k], wc[k]) {
			t.Errorf("%s differs between DataParallel 0 and 1", k)
		}
	}
}
