// The test host for System.Web sites under Mono (tests/generated/test_cs_systemweb_run.py): an
// HttpListener on 127.0.0.1 inside the site's ASP.NET application domain, each request handed to
// HttpRuntime as IIS or xsp would. (Debian's xsp4 4.2 cannot start against its Mono 6.8: its
// server type needs TLS classes that Mono.Security no longer has.) It stops by itself after the
// given number of seconds. Test-only: POST /test/clock?offset=<seconds> shifts the provider's clock.
//
//     mono AspNetHost.exe <port> <site folder> <seconds>
using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Threading;
using System.Web;
using System.Web.Hosting;

public class TestHost : MarshalByRefObject
{
    public static int Main(string[] args)
    {
        int port = int.Parse(args[0]);
        string root = Path.GetFullPath(args[1]);
        int seconds = args.Length > 2 ? int.Parse(args[2]) : 60;
        var host = (TestHost)ApplicationHost.CreateApplicationHost(typeof(TestHost), "/", root);
        return host.Serve(port, seconds);
    }

    Timer stopper;

    public override object InitializeLifetimeService() { return null; }

    public int Serve(int port, int seconds)
    {
        var listener = new HttpListener();
        listener.Prefixes.Add("http://127.0.0.1:" + port + "/");
        listener.Start();
        Console.WriteLine("listening on 127.0.0.1:" + port);
        Console.Out.Flush();
        stopper = new Timer(_ => { try { listener.Stop(); } catch (Exception) { } }, null, seconds * 1000, Timeout.Infinite);
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try { context = listener.GetContext(); } catch (Exception) { break; }
            ThreadPool.QueueUserWorkItem(_ => Handle(context));
        }
        GC.KeepAlive(stopper);
        return 0;
    }

    static void Handle(HttpListenerContext context)
    {
        if (context.Request.Url.AbsolutePath == "/test/clock")
        {
            var offset = int.Parse(context.Request.QueryString["offset"] ?? "0");
            var handler = System.Web.Compilation.BuildManager.GetType("GenesysOidc.GenesysOidcHandler", true);
            Func<DateTimeOffset> clock = () => DateTimeOffset.UtcNow.AddSeconds(offset);
            handler.GetField("Clock").SetValue(null, clock);
            context.Response.StatusCode = 204;
            context.Response.Close();
            return;
        }
        try { HttpRuntime.ProcessRequest(new ListenerWorkerRequest(context)); }
        catch (Exception e) { Console.Error.WriteLine(e); try { context.Response.StatusCode = 500; context.Response.Close(); } catch (Exception) { } }
    }
}

class ListenerWorkerRequest : SimpleWorkerRequest
{
    readonly HttpListenerContext context;
    readonly byte[] body;
    readonly MemoryStream output = new MemoryStream();

    public ListenerWorkerRequest(HttpListenerContext context)
        : base(context.Request.Url.AbsolutePath.TrimStart('/'), context.Request.Url.Query.TrimStart('?'), TextWriter.Null)
    {
        this.context = context;
        using (var buffer = new MemoryStream()) { context.Request.InputStream.CopyTo(buffer); body = buffer.ToArray(); }
    }

    public override string GetHttpVerbName() { return context.Request.HttpMethod; }
    public override string GetRawUrl() { return context.Request.RawUrl; }
    public override string GetUriPath() { return context.Request.Url.AbsolutePath; }
    // The whole path is the file path, as IIS has it for extension-less URLs (no path info split
    // at a dotted segment such as /.well-known).
    public override string GetFilePath() { return context.Request.Url.AbsolutePath; }
    public override string GetPathInfo() { return ""; }
    public override string GetFilePathTranslated() { return MapPath(context.Request.Url.AbsolutePath); }
    public override string GetQueryString() { return context.Request.Url.Query.TrimStart('?'); }
    public override string GetRemoteAddress() { return context.Request.RemoteEndPoint.Address.ToString(); }
    public override string GetLocalAddress() { return context.Request.LocalEndPoint.Address.ToString(); }
    public override int GetLocalPort() { return context.Request.LocalEndPoint.Port; }
    public override string GetKnownRequestHeader(int index) { return context.Request.Headers[GetKnownRequestHeaderName(index)]; }
    public override string GetUnknownRequestHeader(string name) { return context.Request.Headers[name]; }
    public override string[][] GetUnknownRequestHeaders()
    {
        var list = new List<string[]>();
        foreach (string name in context.Request.Headers.AllKeys)
            if (GetKnownRequestHeaderIndex(name) < 0) list.Add(new[] { name, context.Request.Headers[name] });
        return list.ToArray();
    }
    public override byte[] GetPreloadedEntityBody() { return body; }
    public override bool IsEntireEntityBodyIsPreloaded() { return true; }
    public override int ReadEntityBody(byte[] buffer, int size) { return 0; }
    public override void SendStatus(int statusCode, string statusDescription) { context.Response.StatusCode = statusCode; }
    public override void SendKnownResponseHeader(int index, string value) { SendUnknownResponseHeader(GetKnownResponseHeaderName(index), value); }
    public override void SendUnknownResponseHeader(string name, string value)
    {
        if (string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase)) return;
        if (string.Equals(name, "Location", StringComparison.OrdinalIgnoreCase)) { context.Response.RedirectLocation = value; return; }
        context.Response.AddHeader(name, value);
    }
    public override void SendResponseFromMemory(byte[] data, int length) { output.Write(data, 0, length); }
    public override void SendResponseFromFile(string filename, long offset, long length)
    {
        using (var f = File.OpenRead(filename)) { f.Seek(offset, SeekOrigin.Begin); var b = new byte[length]; int n = f.Read(b, 0, b.Length); output.Write(b, 0, n); }
    }
    public override void FlushResponse(bool finalFlush) { }
    public override void EndOfRequest()
    {
        var bytes = output.ToArray();
        context.Response.ContentLength64 = bytes.Length;
        context.Response.OutputStream.Write(bytes, 0, bytes.Length);
        context.Response.Close();
    }
}
