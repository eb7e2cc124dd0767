package train

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/distributed"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/core/tensors/dtensor"
	gomlxtrain "github.com/gomlx/gomlx/ml/train"
)

// dataAxis names the one axis of the device mesh of data-parallel training.
const dataAxis = "data"

// dataParallel runs training steps on n devices with GoMLX's distributed execution: a one-axis
// mesh ("data") of n devices, every batch input sharded along its first axis (each device
// gets rows/n rows) and the weights replicated. XLA's automatic sharding (Shardy) then
// partitions the step and inserts the all-reduce of the gradients, so every replica applies
// the same update: the step computes what the single-device step computes, up to the order
// of floating-point sums.
type dataParallel struct {
	n       int
	mesh    *distributed.DeviceMesh
	spec    *distributed.ShardingSpec // first axis sharded over "data", the rest replicated
	devices []compute.DeviceNum
}

// newDataParallel returns the data-parallel setup for n devices of backend, or nil for n <= 1
// (today's single-device step). It fails when the backend has fewer than n devices.
func newDataParallel(backend compute.Backend, n int) (*dataParallel, error) {
	if n <= 1 {
		return nil, nil
	}
	if have := backend.NumDevices(); n > have {
		return nil, fmt.Errorf("train: DataParallel %d needs %d devices, but backend %q has %d",
			n, n, backend.Name(), have)
	}
	return dataParallelMesh(n)
}

// dataParallelMesh builds the mesh and the batch sharding of n devices without a backend.
func dataParallelMesh(n int) (*dataParallel, error) {
	mesh, err := distributed.NewDeviceMesh([]int{n}, []string{dataAxis})
	if err != nil {
		return nil, fmt.Errorf("train: data-parallel mesh of %d devices: %w", n, err)
	}
	spec, err := distributed.NewShardingSpec(mesh, distributed.AxisSpec{dataAxis})
	if err != nil {
		return nil, fmt.Errorf("train: data-parallel sharding: %w", err)
	}
	p := &dataParallel{n: n, mesh: mesh, spec: spec}
	for i := range n {
		p.devices = append(p.devices, compute.DeviceNum(i))
	}
	return p, nil
}

// shard splits t along its first axis into p.n equal shards, as one distributed tensor.
func (p *dataParallel) shard(t *tensors.Tensor) (*dtensor.Tensor, error) {
	rows := t.Shape().Dim(0)
	if rows%p.n != 0 {
		return nil, fmt.Errorf("train: a batch input of %d rows does not split over %d devices",
			rows, p.n)
	}
	dims := t.Shape().Dimensions
	shardDims := append([]int{rows / p.n}, dims[1:]...)
	var shards []*tensors.Tensor
	switch t.DType() {
	case dtypes.Float32:
		shards = splitRows(tensors.MustCopyFlatData[float32](t), p.n, shardDims)
	case dtypes.Int32:
		shards = splitRows(tensors.MustCopyFlatData[int32](t), p.n, shardDims)
	default:
		return nil, fmt.Errorf("train: cannot shard a batch input of dtype %s", t.DType())
	}
	return dtensor.NewTensor(p.spec, shards)
}

// splitRows cuts flat into n equal consecutive shards of shape dims.
func splitRows[T float32 | int32](flat []T, n int, dims []int) []*tensors.Tensor {
	out := make([]*tensors.Tensor, n)
	size := len(flat) / n
	for i := range n {
		out[i] = tensors.FromFlatDataAndDimensions(flat[i*size:(i+1)*size:(i+1)*size], dims...)
	}
	return out
}

// step runs one distributed training step on the batch inputs and returns its metrics.
func (p *dataParallel) step(trainer *gomlxtrain.Trainer, inputs []*tensors.Tensor) (
	[]*tensors.Tensor, error) {
	batch := gomlxtrain.DistributedBatch{}
	for _, in := range inputs {
		d, err := p.shard(in)
		if err != nil {
			_ = batch.Finalize()
			return nil, err
		}
		batch.Inputs = append(batch.Inputs, d)
	}
	return trainer.DistributedTrainStep(distributed.AutoSharding, p.devices, batch)
}
