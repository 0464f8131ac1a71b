using System.Runtime.ExceptionServices;
using ILGPU.Runtime.Cuda;

namespace GpuDigits.Engine.Ilgpu;

/// <summary>
/// <see cref="Accelerator.CaptureStep"/> on CUDA: the ops a step launches on the accelerator's stream (ILGPU launches
/// them with cuLaunchKernel, no synchronisation, copy or event in between) are recorded by the driver's stream capture
/// into a graph, instantiated once; each replay is one cuGraphLaunch on the same stream. Other devices return null
/// and the caller launches the ops itself.
/// </summary>
public sealed unsafe partial class IlgpuAccelerator
{
    private readonly HashSet<CudaGraphStep> _liveGraphs = [];
    private bool _recording;

    public override bool CanRecordSteps => Info.Kind == AcceleratorKind.Cuda && StepRecordingUnavailableReason is null;

    protected override IReplayableStep? CaptureStepCore(Action step)
    {
        lock (_sync)
        {
            if (!StepRecordingEnabled || !CanRecordSteps) return null;
            if (_recording) throw new InvalidOperationException($"{Info.Id} is already recording a step.");
            Enter();
            _kernels.LoadAll(); // nothing may compile or load while recording
            nint stream = ((CudaStream)_stream).StreamPtr;

            // The lock is held throughout, so no other thread's ops slip into the recording (the step's own ops
            // take the same lock again on this thread).
            CudaGraphApi.Check(CudaGraphApi.cuStreamBeginCapture_v2(stream, CudaGraphApi.CaptureThreadLocal),
                "cuStreamBeginCapture_v2", Info.Id);
            _recording = true;
            ExceptionDispatchInfo? failure = null;
            nint graph = 0;
            try
            {
                step();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                _recording = false;
                int ended = CudaGraphApi.cuStreamEndCapture(stream, &graph);
                if (failure is null && ended != CudaGraphApi.Success)
                    failure = ExceptionDispatchInfo.Capture(new StepRecordingException(
                        $"Recording a step as a CUDA graph on {Info.Id} failed ({CudaGraphApi.Describe(ended)})."));
            }
            if (failure is not null)
            {
                if (graph != 0) CudaGraphApi.cuGraphDestroy(graph);
                failure.Throw();
            }

            try
            {
                nuint nodes = 0;
                CudaGraphApi.Check(CudaGraphApi.cuGraphGetNodes(graph, null, &nodes), "cuGraphGetNodes", Info.Id);
                nint exec = 0;
                try
                {
                    CudaGraphApi.Check(CudaGraphApi.cuGraphInstantiateWithFlags(&exec, graph, 0), "cuGraphInstantiateWithFlags", Info.Id);
                }
                catch (EntryPointNotFoundException)
                {
                    StepRecordingUnavailableReason = "the driver lacks cuGraphInstantiateWithFlags (CUDA 11.4+)";
                    return null;
                }
                var recorded = new CudaGraphStep(this, exec, (int)nodes);
                _liveGraphs.Add(recorded);
                return recorded;
            }
            finally
            {
                CudaGraphApi.cuGraphDestroy(graph); // the executable graph does not need its template
            }
        }
    }

    internal void LaunchGraph(nint exec)
    {
        lock (_sync)
        {
            Enter("Replaying a step");
            CudaGraphApi.Check(CudaGraphApi.cuGraphLaunch(exec, ((CudaStream)_stream).StreamPtr), "cuGraphLaunch", Info.Id);
        }
    }

    internal void DestroyGraph(CudaGraphStep graph, nint exec)
    {
        lock (_sync)
        {
            _liveGraphs.Remove(graph);
            if (exec == 0 || IsDisposed) return;
            _device.Bind();
            CudaGraphApi.cuGraphExecDestroy(exec);
        }
    }

    /// <summary>Frees every live graph (from DisposeCore, before the context goes).</summary>
    private void DisposeRecordings()
    {
        foreach (var graph in _liveGraphs.ToArray())
        {
            nint exec = graph.Detach();
            if (exec != 0) CudaGraphApi.cuGraphExecDestroy(exec);
        }
        _liveGraphs.Clear();
    }
}

/// <summary>An instantiated CUDA graph of a recorded step; <see cref="Replay"/> launches it on the accelerator's stream.</summary>
internal sealed class CudaGraphStep(IlgpuAccelerator owner, nint exec, int nodes) : IReplayableStep
{
    private nint _exec = exec;

    public int OpCount { get; } = nodes;

    public void Replay()
    {
        ObjectDisposedException.ThrowIf(_exec == 0, this);
        owner.LaunchGraph(_exec);
    }

    /// <summary>Hands the graph to the owner, which is being disposed and destroys it itself; replays fail from now on.</summary>
    internal nint Detach()
    {
        var e = _exec;
        _exec = 0;
        return e;
    }

    public void Dispose()
    {
        var e = Detach();
        if (e != 0) owner.DestroyGraph(this, e);
    }
}
