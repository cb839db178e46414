using System.Net;
using System.Runtime.CompilerServices;
using Ledger.Agent.Streams;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Ledger.Agent.Repositories;

/// <summary>
/// A repository in an S3-compatible bucket, <c>s3://bucket/prefix</c>. Uploads are multipart and streamed: two parts of
/// <see cref="S3Options.PartSizeBytes"/> in memory at most (one filling while the other is sent), nothing spooled to disk;
/// a failed or abandoned upload is aborted, so no object appears and no part is kept. Every request is sent without
/// chunk encoding and checksums are only computed when an operation requires them (AWSSDK.S3 v4 otherwise sends
/// aws-chunked bodies that some S3-compatible servers store with the framing inside the object).
/// </summary>
public sealed class S3Repository : IBackupRepository, IDisposable
{
    private readonly IAmazonS3 _s3;
    private readonly int _partSize;
    private readonly ILogger _log;

    public S3Repository(S3Location location, S3Options options, ILogger log)
    {
        (Bucket, Prefix, Id, _log) = (location.Bucket, location.Prefix, location.ToString(), log);
        _partSize = Math.Max(options.PartSizeBytes, 5 * 1024 * 1024);
        _s3 = CreateClient(options.For(location.Bucket));
    }

    public string Id { get; }
    public string Bucket { get; }
    public string Prefix { get; }

    public static IAmazonS3 CreateClient(S3ConnectionOptions settings)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = settings.ForcePathStyle ?? true,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 2,
            Timeout = TimeSpan.FromMinutes(5),
        };
        if (!string.IsNullOrWhiteSpace(settings.Endpoint))
        {
            config.ServiceURL = settings.Endpoint;
            config.AuthenticationRegion = settings.Region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(settings.Region ?? "us-east-1");
        }

        if (!string.IsNullOrWhiteSpace(settings.AccessKeyId) && !string.IsNullOrWhiteSpace(settings.SecretAccessKey))
        {
            AWSCredentials credentials = string.IsNullOrWhiteSpace(settings.SessionToken)
                ? new BasicAWSCredentials(settings.AccessKeyId, settings.SecretAccessKey)
                : new SessionAWSCredentials(settings.AccessKeyId, settings.SecretAccessKey, settings.SessionToken);
            return new AmazonS3Client(credentials, config);
        }

        // The SDK's own chain (environment, profile, instance role).
        return new AmazonS3Client(config);
    }

    public string? LocalPathOf(string key) => null;

    private string ObjectKey(string key) =>
        RepositoryKeys.IsSafe(key) ? Prefix + key : throw new ArgumentException($"'{key}' is not a repository key.", nameof(key));

    public async Task<IArtifactUpload> BeginUploadAsync(string key, CancellationToken ct)
    {
        var objectKey = ObjectKey(key);
        var started = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = Bucket, Key = objectKey }, ct);
        return new MultipartUpload(this, objectKey, started.UploadId);
    }

    public async Task<Stream> OpenReadAsync(string key, CancellationToken ct)
    {
        try
        {
            var response = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = ObjectKey(key) }, ct);
            return new ResponseStream(response);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new FileNotFoundException($"{Id}/{key} does not exist.");
        }
    }

    public async Task<long?> SizeAsync(string key, CancellationToken ct)
    {
        try
        {
            var metadata = await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = ObjectKey(key) }, ct);
            return metadata.ContentLength;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task WriteAllAsync(string key, byte[] content, CancellationToken ct) =>
        await _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = Bucket,
            Key = ObjectKey(key),
            InputStream = new MemoryStream(content, writable: false),
            UseChunkEncoding = false,
            AutoCloseStream = true,
        }, ct);

    public async Task<long> DeleteAsync(string key, CancellationToken ct)
    {
        var size = await SizeAsync(key, ct);
        if (size is null)
        {
            return 0;
        }

        await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = ObjectKey(key) }, ct);
        return size.Value;
    }

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = Prefix + prefix };
        while (true)
        {
            var page = await _s3.ListObjectsV2Async(request, ct);
            foreach (var item in page.S3Objects ?? [])
            {
                if (item.Key.StartsWith(Prefix, StringComparison.Ordinal) && item.Key[Prefix.Length..] is var key && RepositoryKeys.IsSafe(key))
                {
                    yield return key;
                }
            }

            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
            {
                yield break;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    /// <summary>
    /// Aborts multipart uploads under this repository's <paramref name="folders"/> started before <paramref name="olderThan"/>
    /// (left by an agent that died mid-upload), so their parts stop costing storage. A server that cannot list uploads
    /// (some S3-compatible servers) is logged and skipped. Returns how many were aborted.
    /// </summary>
    public async Task<int> AbortStaleUploadsAsync(IEnumerable<string> folders, DateTimeOffset olderThan, CancellationToken ct)
    {
        var aborted = 0;
        foreach (var folder in folders)
        {
            try
            {
                var page = await _s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = Bucket, Prefix = Prefix + folder }, ct);
                foreach (var upload in page.MultipartUploads ?? [])
                {
                    if (upload.Initiated is { } initiated && initiated < olderThan.UtcDateTime)
                    {
                        await AbortAsync(upload.Key, upload.UploadId, ct);
                        aborted++;
                    }
                }
            }
            catch (AmazonS3Exception e)
            {
                _log.LogWarning("{Repository}: cannot list unfinished multipart uploads ({Code}); none were aborted", Id, e.ErrorCode);
            }
        }

        return aborted;
    }

    private async Task AbortAsync(string objectKey, string uploadId, CancellationToken ct)
    {
        try
        {
            await _s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Bucket, Key = objectKey, UploadId = uploadId }, ct);
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException or OperationCanceledException)
        {
            // The object was never completed, so it does not exist; only its parts may remain until the next sweep.
            _log.LogWarning("{Repository}: could not abort the multipart upload of {Key} ({Error})", Id, objectKey, e.GetType().Name);
        }
    }

    public override string ToString() => Id;

    public void Dispose() => _s3.Dispose();

    /// <summary>A multipart upload fed through a stream: a part is sent while the next one fills.</summary>
    private sealed class MultipartUpload(S3Repository repository, string objectKey, string uploadId) : WriteOnlyStream, IArtifactUpload
    {
        private byte[] _filling = new byte[repository._partSize];
        private byte[] _spare = new byte[repository._partSize];
        private int _filled;
        private Task<PartETag>? _inFlight;
        private readonly List<PartETag> _parts = [];
        private bool _completed, _aborted;

        public Stream Stream => this;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (buffer.Length > 0)
            {
                var take = Math.Min(buffer.Length, _filling.Length - _filled);
                buffer[..take].CopyTo(_filling.AsMemory(_filled));
                _filled += take;
                buffer = buffer[take..];
                if (_filled == _filling.Length)
                {
                    await SendFilledAsync(cancellationToken);
                }
            }
        }

        private async Task SendFilledAsync(CancellationToken ct)
        {
            if (_inFlight is not null)
            {
                _parts.Add(await _inFlight);
            }

            var (part, length, number) = (_filling, _filled, _parts.Count + 1);
            (_filling, _spare, _filled) = (_spare, part, 0);
            _inFlight = SendAsync(part, length, number, ct);
        }

        private async Task<PartETag> SendAsync(byte[] part, int length, int number, CancellationToken ct)
        {
            var response = await repository._s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = repository.Bucket,
                Key = objectKey,
                UploadId = uploadId,
                PartNumber = number,
                InputStream = new MemoryStream(part, 0, length, writable: false),
                PartSize = length,
                UseChunkEncoding = false,
            }, ct);
            return new PartETag(number, response.ETag);
        }

        public async Task CompleteAsync(CancellationToken ct)
        {
            if (_filled > 0 || _parts.Count == 0 && _inFlight is null)
            {
                await SendFilledAsync(ct);
            }

            if (_inFlight is not null)
            {
                _parts.Add(await _inFlight);
                _inFlight = null;
            }

            await repository._s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = repository.Bucket,
                Key = objectKey,
                UploadId = uploadId,
                PartETags = _parts,
            }, ct);
            _completed = true;
        }

        public override async ValueTask DisposeAsync()
        {
            if (!_completed && !_aborted)
            {
                _aborted = true;
                if (_inFlight is not null)
                {
                    try { await _inFlight; } catch (Exception) { /* the part's failure is why we abort */ }
                }

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await repository.AbortAsync(objectKey, uploadId, timeout.Token);
            }

            (_filling, _spare) = ([], []);
            await base.DisposeAsync();
        }
    }

    /// <summary>The body of a GetObject response; disposing it ends the response.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : ReadOnlyStream
    {
        private readonly Stream _body = response.ResponseStream;

        // The SDK checks a single-part object's MD5 when its body ends; a mismatch (an altered object) is an I/O failure here.
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await _body.ReadAsync(buffer, cancellationToken);
            }
            catch (AmazonClientException e)
            {
                throw new IOException($"the object does not match the repository's own checksum of it ({e.Message})", e);
            }
        }

        public override long Length => response.ContentLength;

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _body.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary><c>s3://bucket/prefix</c>, parsed: the prefix is empty or ends with '/'.</summary>
public sealed record S3Location(string Bucket, string Prefix)
{
    public const string Scheme = "s3://";

    public static bool IsS3(string? repository) => repository?.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>Null (with the problem) when <paramref name="uri"/> is not a bucket URI DgLedger accepts.</summary>
    public static S3Location? Parse(string uri, out string? problem)
    {
        problem = null;
        var rest = uri[Scheme.Length..].Trim('/');
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..];
        if (bucket.Length is < 3 or > 63 || !bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
        {
            problem = $"'{uri}' does not name a bucket (s3://bucket/prefix; 3-63 lower-case letters, digits, '-' or '.')";
            return null;
        }

        if (prefix.Length > 0 && !RepositoryKeys.IsSafe(prefix))
        {
            problem = $"the prefix of '{uri}' may hold only letters, digits, '-', '_', '.' and '/' between non-empty parts";
            return null;
        }

        return new S3Location(bucket, prefix.Length == 0 ? "" : prefix + "/");
    }

    public override string ToString() => Scheme + Bucket + (Prefix.Length == 0 ? "" : "/" + Prefix.TrimEnd('/'));
}
