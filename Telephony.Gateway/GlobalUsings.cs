global using System.Net;
global using Microsoft.Extensions.Logging;
