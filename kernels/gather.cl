/*
 * gather.cl: gather_batch turns device-resident MNIST bytes into a normalized float batch.
 * images: uint8, samples x features (row-major); labels: uint8, samples; indices: int32, index_count of them.
 * The first position is start, or start_at[0] when has_start_at != 0 (read when the kernel runs, so a captured
 * training step gathers the next batch on every replay). For r < count with s = indices[first + r]:
 * x[r, f] = (images[s * features + f] * (1/255) - mean) * inv_std and batch_labels[r] = labels[s]. A position
 * outside [0, index_count) or a sample index outside [0, samples) yields a zero row and label -1 (a device cannot
 * throw; the host-side CPU twin reports it as an error instead).
 *
 * Parallelization: 1-D grid-stride over the count * features outputs (work-item g writes x elements g, g + G, ...,
 * G the global size), so consecutive work-items read consecutive bytes of one image; a second grid-stride loop over
 * the count rows writes the labels.
 */
/* The sample of batch row r: indices[first + r], or -1 when that position lies outside the index buffer. */
GD_INLINE int gd_gather_sample(const GD_GLOBAL int* GD_RESTRICT indices, const int index_count, const int first,
    const int r)
{
    return (first >= 0 && r < index_count - first) ? indices[first + r] : -1;
}

GD_KERNEL void gather_batch(const GD_GLOBAL gd_uchar* GD_RESTRICT images, const GD_GLOBAL gd_uchar* GD_RESTRICT labels,
    const int samples, const GD_GLOBAL int* GD_RESTRICT indices, const int index_count, const int start,
    const GD_GLOBAL int* GD_RESTRICT start_at, const int has_start_at, const int count, const int features,
    const float mean, const float inv_std, GD_GLOBAL float* GD_RESTRICT x, GD_GLOBAL int* GD_RESTRICT batch_labels)
{
    const int first = has_start_at ? start_at[0] : start;
    const int total = count * features;
    for (int i = GD_GLOBAL_ID(0); i < total; i += GD_GLOBAL_SIZE(0)) {
        const int r = i / features;
        const int f = i - r * features;
        const int s = gd_gather_sample(indices, index_count, first, r);
        x[i] = (s >= 0 && s < samples) ? ((float)images[s * features + f] * (1.0f / 255.0f) - mean) * inv_std : 0.0f;
    }
    for (int r = GD_GLOBAL_ID(0); r < count; r += GD_GLOBAL_SIZE(0)) {
        const int s = gd_gather_sample(indices, index_count, first, r);
        batch_labels[r] = (s >= 0 && s < samples) ? (int)labels[s] : -1;
    }
}
