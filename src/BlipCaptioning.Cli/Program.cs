using BlipCaptioning.Cli;

return await BlipCli.InvokeAsync(args);
