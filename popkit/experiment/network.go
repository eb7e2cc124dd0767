package experiment

import (
	"github.com/poprlhf/sandbox/popkit/pretrained"
	"github.com/poprlhf/sandbox/popkit/train"
)

// withNetwork returns c with Train.Network set to the pretrained checkpoint of PolicyDir, when
// there is one, checked against the training limits.
func (c Config) withNetwork() (Config, error) {
	if c.PolicyDir == "" {
		return c, nil
	}
	m, err := pretrained.Load(c.PolicyDir)
	if err != nil {
		return c, err
	}
	c.Train.Network = train.PretrainedNetwork(m)
	return c, c.Train.Validate()
}
