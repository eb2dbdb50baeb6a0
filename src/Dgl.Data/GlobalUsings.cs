global using Dgl.Tensors;
global using Dgl;
