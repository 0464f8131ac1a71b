using GpuDigits.Engine;
using GpuDigits.Model.Optimizers;

namespace GpuDigits.Model.Training;

/// <summary>
/// The run at an epoch boundary (parameters, optimizer state, generator, epochs done) in host buffers that are
/// allocated once and refilled: the trainer's rewind point, and the scratch set the next epoch's end is read into.
/// </summary>
internal sealed class TrainingSnapshot(Network network, Optimizer optimizer)
{
    public float[][] Parameters { get; } = network.Parameters.Select(p => new float[p.Count]).ToArray();
    public float[][] Slots { get; } = optimizer.StateLengths.Select(n => new float[n]).ToArray();
    public int StepCount { get; private set; }
    public ulong[] RandomState { get; private set; } = [];
    public int EpochsDone { get; private set; }

    public void ReadTensors(Network net, Optimizer opt)
    {
        for (int i = 0; i < Parameters.Length; i++) net.Parameters[i].Value.CopyToHost(Parameters[i]);
        StepCount = opt.CopyStateTo(Slots);
    }

    public void ReadScalars(SeededRandom random, int epochsDone)
    {
        RandomState = random.State;
        EpochsDone = epochsDone;
    }

    public void Read(Network net, Optimizer opt, SeededRandom random, int epochsDone)
    {
        ReadTensors(net, opt);
        ReadScalars(random, epochsDone);
    }

    /// <summary>A <see cref="TrainingState"/> of copies (these buffers are refilled later).</summary>
    public TrainingState ToState(Trainer t) =>
        new(t.Network.Spec, t.Options, t.Normalization, t.TrainedOn, EpochsDone, RandomState,
            Parameters.Select(p => (float[])p.Clone()).ToArray(),
            new OptimizerState(t.Optimizer.Kind, StepCount, Slots.Select(s => (float[])s.Clone()).ToArray()),
            t.History.Take(EpochsDone).ToArray());
}
