using System.Runtime.ExceptionServices;
using GpuDigits.Engine.Cuda.Native;

namespace GpuDigits.Engine.Cuda;

/// <summary>
/// <see cref="Accelerator.CaptureStep"/> on CUDA: the step's ops are recorded by stream capture into a graph, which
/// is instantiated once; each replay is one cuGraphLaunch on the accelerator's stream.
/// </summary>
public sealed unsafe partial class CudaAccelerator
{
    private const string GraphsOffHint = "run with --cuda-graphs off (or GPUDIGITS_CUDA_GRAPHS=0) to launch ops one by one";

    private readonly HashSet<CudaGraphStep> _liveGraphs = [];
    private bool _capturing;

    protected override IReplayableStep? CaptureStepCore(Action step)
    {
        lock (_sync)
        {
            if (!GraphsEnabled || GraphsUnavailableReason is not null) return null;
            if (_capturing) throw new InvalidOperationException($"{Info.Id} is already capturing a step.");
            MakeCurrent();
            // Nothing may compile or load while capturing: bring in every module first.
            LoadAllModules();

            // The lock is held throughout, so no other thread's ops slip into the capture (the step's own ops take
            // the same lock again on this thread).
            CuResult.Check(Cu.cuStreamBeginCapture_v2(_stream, Cu.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), "cuStreamBeginCapture_v2", Info.Id);
            _capturing = true;
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
                _capturing = false;
                int ended = Cu.cuStreamEndCapture(_stream, &graph);
                if (failure is null && ended != Cu.CUDA_SUCCESS)
                    failure = ExceptionDispatchInfo.Capture(new CudaException("cuStreamEndCapture", ended, Info.Id,
                        $"Capturing a step as a CUDA graph on {Info.Id} failed ({CuResult.Describe(ended)}); {GraphsOffHint}."));
            }
            if (failure is not null)
            {
                if (graph != 0) Cu.cuGraphDestroy(graph);
                failure.Throw();
            }

            try
            {
                nuint nodes = 0;
                CuResult.Check(Cu.cuGraphGetNodes(graph, null, &nodes), "cuGraphGetNodes", Info.Id);
                nint exec = 0;
                int result;
                try
                {
                    result = Cu.cuGraphInstantiateWithFlags(&exec, graph, 0);
                }
                catch (EntryPointNotFoundException)
                {
                    GraphsUnavailableReason = $"the driver (CUDA {DriverVersion}) lacks cuGraphInstantiateWithFlags (CUDA 11.4+)";
                    return null;
                }
                if (result != Cu.CUDA_SUCCESS)
                    throw new CudaException("cuGraphInstantiateWithFlags", result, Info.Id,
                        $"Instantiating the captured CUDA graph on {Info.Id} failed ({CuResult.Describe(result)}); {GraphsOffHint}.");
                var recorded = new CudaGraphStep(this, exec, (int)nodes);
                _liveGraphs.Add(recorded);
                return recorded;
            }
            finally
            {
                Cu.cuGraphDestroy(graph); // the executable graph is independent of its template
            }
        }
    }

    internal void LaunchGraph(nint exec)
    {
        lock (_sync)
        {
            MakeCurrent();
            CuResult.Check(Cu.cuGraphLaunch(exec, _stream), "cuGraphLaunch", Info.Id);
        }
    }

    internal void DestroyGraph(CudaGraphStep graph, nint exec)
    {
        lock (_sync)
        {
            _liveGraphs.Remove(graph);
            if (exec != 0 && _context != 0 && Cu.cuCtxSetCurrent(_context) == Cu.CUDA_SUCCESS) Cu.cuGraphExecDestroy(exec);
        }
    }
}

/// <summary>An instantiated CUDA graph of a captured step; <see cref="Replay"/> launches it on the accelerator's stream.</summary>
internal sealed class CudaGraphStep(CudaAccelerator owner, nint exec, int nodes) : IReplayableStep
{
    private nint _exec = exec;

    public int OpCount { get; } = nodes;

    public void Replay()
    {
        ObjectDisposedException.ThrowIf(_exec == 0, this);
        owner.LaunchGraph(_exec);
    }

    public void Dispose()
    {
        var exec = _exec;
        _exec = 0;
        if (exec != 0) owner.DestroyGraph(this, exec);
    }
}
