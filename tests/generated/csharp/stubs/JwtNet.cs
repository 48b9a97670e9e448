// Test stand-in for the parts of the JWT.Net package (NuGet "JWT") the fixture site uses, written
// for these tests so that the site compiles and signs offline: an HS256 JWT from a header and a
// payload dictionary. Only the API shape follows the package.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace JWT.Algorithms
{
    public interface IJwtAlgorithm
    {
        string Name { get; }
        byte[] Sign(byte[] key, byte[] data);
    }

    public sealed class HMACSHA256Algorithm : IJwtAlgorithm
    {
        public string Name { get { return "HS256"; } }

        public byte[] Sign(byte[] key, byte[] data)
        {
            using (var hmac = new HMACSHA256(key))
            {
                return hmac.ComputeHash(data);
            }
        }
    }
}

namespace JWT
{
    using JWT.Algorithms;

    public interface IJsonSerializer
    {
        string Serialize(object value);
    }

    public interface IBase64UrlEncoder
    {
        string Encode(byte[] data);
    }

    public interface IJwtEncoder
    {
        string Encode(IDictionary<string, object> headers, object payload, string key);
    }

    public sealed class JwtBase64UrlEncoder : IBase64UrlEncoder
    {
        public string Encode(byte[] data)
        {
            return Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        }
    }

    public sealed class JwtEncoder : IJwtEncoder
    {
        private readonly IJwtAlgorithm _algorithm;
        private readonly IJsonSerializer _serializer;
        private readonly IBase64UrlEncoder _encoder;

        public JwtEncoder(IJwtAlgorithm algorithm, IJsonSerializer serializer, IBase64UrlEncoder encoder)
        {
            _algorithm = algorithm;
            _serializer = serializer;
            _encoder = encoder;
        }

        public string Encode(IDictionary<string, object> headers, object payload, string key)
        {
            if (string.IsNullOrEmpty(key))
            {
                throw new ArgumentException("no signing key");
            }
            var header = new Dictionary<string, object>(headers ?? new Dictionary<string, object>());
            header["alg"] = _algorithm.Name;
            var input = _encoder.Encode(Encoding.UTF8.GetBytes(_serializer.Serialize(header))) + "."
                + _encoder.Encode(Encoding.UTF8.GetBytes(_serializer.Serialize(payload)));
            return input + "." + _encoder.Encode(_algorithm.Sign(Encoding.UTF8.GetBytes(key), Encoding.ASCII.GetBytes(input)));
        }
    }
}

namespace JWT.Serializers
{
    public sealed class JsonNetSerializer : JWT.IJsonSerializer
    {
        public string Serialize(object value)
        {
            var text = new StringBuilder();
            Write(text, value);
            return text.ToString();
        }

        private static void Write(StringBuilder text, object value)
        {
            if (value == null)
            {
                text.Append("null");
            }
            else if (value is string)
            {
                text.Append('"').Append(((string)value).Replace("\\", "\\\\").Replace("\"", "\\\"")).Append('"');
            }
            else if (value is bool)
            {
                text.Append((bool)value ? "true" : "false");
            }
            else if (value is IDictionary)
            {
                var first = true;
                text.Append('{');
                foreach (DictionaryEntry entry in (IDictionary)value)
                {
                    text.Append(first ? "" : ",");
                    first = false;
                    Write(text, entry.Key.ToString());
                    text.Append(':');
                    Write(text, entry.Value);
                }
                text.Append('}');
            }
            else if (value is IFormattable)
            {
                text.Append(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture));
            }
            else
            {
                Write(text, value.ToString());
            }
        }
    }
}
